"""Perencanaan Data (Satu Data) for CKAN: the yearly Daftar Data cycle."""
