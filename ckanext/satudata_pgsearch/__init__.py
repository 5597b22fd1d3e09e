"""CKAN's dataset search index and query, kept in PostgreSQL (``satudata_pgsearch``).

``backend.install()`` swaps the classes ``ckan.lib.search`` hands out;
``index`` writes the dict CKAN would send to Solr into ``satudata_search_index``;
``parser`` reads the Lucene-ish syntax CKAN and its users send; ``query`` turns
it into SQL with bound parameters and answers ``PackageSearchQuery.run``.
"""
