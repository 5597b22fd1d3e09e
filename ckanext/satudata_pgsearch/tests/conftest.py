"""Fixtures of the search tests: a small catalogue of datasets and users."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import pytest
from ckan.tests import factories, helpers


@pytest.fixture
def org(clean_db: None) -> dict[str, Any]:
    """An organization to own the test datasets (unowned ones are off)."""
    return factories.Organization(name="dinkes", title="Dinas Kesehatan")


@dataclass
class Catalog:
    """A small portal: two OPDs, their users and a handful of datasets."""

    admin: dict[str, Any]
    member: dict[str, Any]
    outsider: dict[str, Any]
    dinkes: dict[str, Any]
    dinsos: dict[str, Any]
    datasets: dict[str, dict[str, Any]] = field(default_factory=dict)

    def create(self, **data: Any) -> dict[str, Any]:
        """package_create through the action layer, as the portal's sysadmin."""
        data.setdefault("owner_org", self.dinkes["id"])
        pkg = helpers.call_action(
            "package_create", context={"user": self.admin["name"]}, **data
        )
        self.datasets[pkg["name"]] = pkg
        return pkg

    def search(self, user: Optional[dict[str, Any]] = None, **params: Any) -> Any:
        """package_search; with ``user`` auth and permission labels apply."""
        if user is None:
            return helpers.call_action("package_search", **params)
        context = {"user": user["name"] if user else "", "ignore_auth": False}
        return helpers.call_action("package_search", context=context, **params)

    def names(self, **params: Any) -> list[str]:
        """Names of the datasets found, in result order."""
        params.setdefault("rows", 100)
        return [r["name"] for r in self.search(**params)["results"]]


@pytest.fixture
def catalog(clean_db: None) -> Catalog:
    """Three public active datasets, created in order, plus users of two OPDs.

    ``pendidik``  – title "Jumlah Pendidik menurut Sekolah", dinkes, 2025
    ``penduduk``  – title "Jumlah Penduduk menurut Kecamatan", notes mention
                   "pendidikan", dinsos, 2027
    ``peta-jalan`` – title "Peta Jalan Kota", geospasial, dinkes, 2023
    """
    admin = factories.Sysadmin(name="admin")
    member = factories.User(name="pimpinan_dinkes")
    outsider = factories.User(name="operator_dinsos")
    dinkes = factories.Organization(
        name="dinkes",
        title="Dinas Kesehatan",
        users=[{"name": member["name"], "capacity": "member"}],
    )
    dinsos = factories.Organization(
        name="dinsos",
        title="Dinas Sosial",
        users=[{"name": outsider["name"], "capacity": "editor"}],
    )
    cat = Catalog(admin, member, outsider, dinkes, dinsos)
    cat.create(
        name="pendidik",
        title="Jumlah Pendidik menurut Sekolah",
        notes="Data guru sekolah dasar",
        tags=[{"name": "guru"}, {"name": "sekolah"}],
        jenis_data="statistik_sektoral",
        kategori_sumber=["spm", "sdgs"],
        frekuensi="tahunan",
        tahun=2025,
        kode_data="2025-DINKES-001",
    )
    cat.create(
        name="penduduk",
        title="Jumlah Penduduk menurut Kecamatan",
        notes="Jumlah penduduk per kecamatan menurut tingkat pendidikan",
        tags=[{"name": "kependudukan"}, {"name": "sekolah"}],
        owner_org=dinsos["id"],
        jenis_data="statistik_sektoral",
        kategori_sumber=["kpda", "sdgs"],
        frekuensi="tahunan",
        tahun=2027,
        resources=[{"url": "http://example.com/penduduk.csv", "format": "CSV"}],
    )
    cat.create(
        name="peta-jalan",
        title="Peta Jalan Kota",
        notes="Jaringan jalan kota",
        jenis_data="geospasial",
        kategori_sumber=["spm"],
        frekuensi="bulanan",
        tahun=2023,
    )
    return cat
