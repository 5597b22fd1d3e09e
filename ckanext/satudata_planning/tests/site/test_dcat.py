"""DCAT for harvesters: /catalog.ttl, /catalog.jsonld and /dataset/<id>.rdf
parse as RDF, carry the Satu Data fields, and leave private datasets out."""
from __future__ import annotations

from typing import Any

import pytest
from ckan.tests import factories, helpers
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS

from ckanext.satudata_planning.dcat_profile import SDMX_ATTR, VCARD

pytestmark = pytest.mark.usefixtures("with_plugins")

FIELDS = {
    "kode_data": "2027-DINKES-001",
    "tahun": 2027,
    "frekuensi": "tahunan",
    "tingkat_penyajian": "kecamatan",
    "satuan": "orang",
    "definisi": "Jumlah tenaga kesehatan yang bekerja di fasilitas kesehatan",
    "sifat_akses": "terbuka",
}


@pytest.fixture
def datasets(actors: Any) -> dict[str, Any]:
    for org in ("dinkes", "diskominfo"):
        helpers.call_action("organization_patch", {"user": actors.sysadmin["name"]},
                            id=org, image_url="")
    public = factories.Dataset(owner_org=actors.opd["id"], name="tenaga-kesehatan",
                               title="Jumlah Tenaga Kesehatan", **FIELDS)
    private = factories.Dataset(owner_org=actors.opd["id"], name="data-tertutup",
                                title="Data Tertutup", private=True,
                                **{**FIELDS, "kode_data": "2027-DINKES-002",
                                   "sifat_akses": "terbatas"})
    return {"public": public, "private": private}


def _graph(app: Any, url: str, fmt: str) -> Graph:
    res = app.get(url)
    assert res.status_code == 200, url
    g = Graph()
    g.parse(data=res.get_data(as_text=True), format=fmt)
    return g


def _dataset(g: Graph, kode: str) -> URIRef:
    found = [s for s in g.subjects(DCTERMS.identifier, Literal(kode))
             if (s, RDF.type, DCAT.Dataset) in g]
    assert len(found) == 1, f"{kode}: {found}"
    return found[0]


def _check_fields(g: Graph, ref: URIRef) -> None:
    assert (ref, DCTERMS.accrualPeriodicity, URIRef(
        "http://publications.europa.eu/resource/authority/frequency/ANNUAL")) in g
    assert (ref, DCTERMS.accessRights, URIRef(
        "http://publications.europa.eu/resource/authority/access-right/PUBLIC")) in g
    assert (ref, SDMX_ATTR.unitMeasure, Literal("orang")) in g
    assert str(g.value(ref, SKOS.definition)).startswith("Jumlah tenaga kesehatan")
    place = g.value(ref, DCTERMS.spatial)
    assert str(g.value(place, SKOS.prefLabel)) == "Kota Pekalongan"
    assert "Kecamatan" in str(g.value(place, SKOS.note))
    publisher = g.value(ref, DCTERMS.publisher)
    assert str(g.value(publisher, FOAF.name)) == "Dinas Kesehatan"
    contact = g.value(ref, DCAT.contactPoint)
    assert (contact, RDF.type, VCARD.Organization) in g
    assert "Walidata" in str(g.value(contact, VCARD.fn))


def test_catalog_ttl_has_our_fields_and_no_private_dataset(app, datasets):
    g = _graph(app, "/catalog.ttl", "turtle")
    _check_fields(g, _dataset(g, "2027-DINKES-001"))
    assert not list(g.subjects(DCTERMS.identifier, Literal("2027-DINKES-002")))
    assert "Data Tertutup" not in g.serialize(format="turtle")


def test_catalog_jsonld_parses(app, datasets):
    g = _graph(app, "/catalog.jsonld", "json-ld")
    _dataset(g, "2027-DINKES-001")


def test_dataset_rdf_has_our_fields(app, datasets):
    g = _graph(app, "/dataset/tenaga-kesehatan.rdf", "xml")
    _check_fields(g, _dataset(g, "2027-DINKES-001"))


def test_private_dataset_rdf_is_refused(app, datasets):
    res = app.get("/dataset/data-tertutup.rdf")
    assert res.status_code in (403, 404)
    assert "2027-DINKES-002" not in res.get_data(as_text=True)


def test_dataset_page_has_schema_org_structured_data(app, datasets):
    page = app.get("/dataset/tenaga-kesehatan").get_data(as_text=True)
    assert 'type="application/ld+json"' in page
    assert "schema.org" in page and "Jumlah Tenaga Kesehatan" in page


def test_structured_data_cannot_close_its_script_element(app, actors):
    """A title holding ``</script>`` stays inside the JSON-LD (as ``\\u003c``
    escapes) and the JSON still reads the title as typed."""
    import json
    import re

    title = "Data </script><script>window.__xss=1</script> & <b>"
    factories.Dataset(owner_org=actors.opd["id"], name="judul-nakal", title=title,
                      **{**FIELDS, "kode_data": "2027-DINKES-009"})
    page = app.get("/dataset/judul-nakal").get_data(as_text=True)
    [block] = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert "<" not in block and ">" not in block
    assert "\\u003c/script\\u003e" in block
    # the same JSON: the title reads back as typed
    assert title in json.dumps(json.loads(block), ensure_ascii=False)
