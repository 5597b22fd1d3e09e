"""The Satu Data fields in DCAT (ckanext-dcat profile ``satudata``).

Enabled after a DCAT-AP profile (``ckanext.dcat.rdf.profiles =
euro_dcat_ap_3 satudata``) it adds, to every dataset of ``/catalog.ttl``,
``/catalog.jsonld`` and ``/dataset/<id>.rdf``:

=====================  =====================================================
``kode_data``          ``dct:identifier``
``frekuensi``          ``dct:accrualPeriodicity`` (EU frequency authority)
``tingkat_penyajian``  ``dct:spatial``: a ``dct:Location`` named for the
                       region (``city_name``), the level in a ``skos:note``
``satuan``             ``sdmx-attribute:unitMeasure``
``definisi``           ``skos:definition``
``sifat_akses``        ``dct:accessRights`` (EU access-right authority)
the producing OPD      ``dct:publisher`` (``foaf:Organization``)
the Walidata           ``dcat:contactPoint`` (``vcard:Organization``)
=====================  =====================================================

The URIs of the authorities are names, not links the portal fetches.
"""
from __future__ import annotations

from typing import Any

import ckan.model as model
from rdflib import BNode, Literal, Namespace, URIRef
from rdflib.namespace import RDF

from ckanext.dcat.profiles import RDFProfile
from ckanext.dcat.profiles.base import DCAT, DCT, FOAF, LOCN, SKOS, VCARD  # noqa: F401
from ckanext.satudata_planning import config

SDMX_ATTR = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
ACCESS_RIGHT = "http://publications.europa.eu/resource/authority/access-right/"

FREQUENCIES = {
    "bulanan": "MONTHLY",
    "triwulanan": "QUARTERLY",
    "semesteran": "ANNUAL_2",
    "tahunan": "ANNUAL",
    "lima_tahunan": "QUINQUENNIAL",
}
ACCESS_RIGHTS = {
    "terbuka": "PUBLIC",
    "terbatas": "RESTRICTED",
    "dikecualikan": "NON_PUBLIC",
}
LEVELS = {"kota": "Kota", "kecamatan": "Kecamatan", "kelurahan": "Kelurahan"}


def _org(name_or_id: str | None) -> Any:
    return model.Group.get(name_or_id) if name_or_id else None


class SatudataDCATProfile(RDFProfile):
    """Adds the Satu Data fields to a DCAT-AP dataset (serializing only)."""

    def parse_dataset(self, dataset_dict: dict[str, Any], dataset_ref: Any) -> Any:
        return dataset_dict

    def _replace(self, subject: Any, predicate: Any, obj: Any) -> None:
        self.g.remove((subject, predicate, None))
        self.g.add((subject, predicate, obj))

    def graph_from_dataset(
        self, dataset_dict: dict[str, Any], dataset_ref: Any
    ) -> None:
        g = self.g
        for prefix, ns in (("sdmx-attribute", SDMX_ATTR), ("skos", SKOS),
                           ("locn", LOCN), ("vcard", VCARD), ("foaf", FOAF)):
            g.bind(prefix, ns)
        get = dataset_dict.get
        if get("kode_data"):
            self._replace(dataset_ref, DCT.identifier, Literal(get("kode_data")))
        if get("frekuensi") in FREQUENCIES:
            self._replace(dataset_ref, DCT.accrualPeriodicity,
                          URIRef(FREQUENCY + FREQUENCIES[get("frekuensi")]))
        access = get("sifat_akses") or "terbuka"
        if access in ACCESS_RIGHTS:
            self._replace(dataset_ref, DCT.accessRights,
                          URIRef(ACCESS_RIGHT + ACCESS_RIGHTS[access]))
        if get("satuan"):
            g.add((dataset_ref, SDMX_ATTR.unitMeasure, Literal(get("satuan"))))
        if get("definisi"):
            g.add((dataset_ref, SKOS.definition, Literal(get("definisi"), lang="id")))
        self._spatial(dataset_ref, get("tingkat_penyajian"))
        self._publisher(dataset_ref, dataset_dict)
        self._contact(dataset_ref)

    def _spatial(self, dataset_ref: Any, level: str | None) -> None:
        city = config.city_name()
        if not city:
            return
        place = BNode()
        self.g.add((dataset_ref, DCT.spatial, place))
        self.g.add((place, RDF.type, DCT.Location))
        self.g.add((place, LOCN.geographicName, Literal(city, lang="id")))
        self.g.add((place, SKOS.prefLabel, Literal(city, lang="id")))
        if level in LEVELS:
            self.g.add((place, SKOS.note, Literal(
                f"Tingkat penyajian: {LEVELS[level]}", lang="id")))

    def _publisher(self, dataset_ref: Any, dataset_dict: dict[str, Any]) -> None:
        org = dataset_dict.get("organization") or {}
        title = org.get("title") or org.get("name")
        if not title:
            return
        for old in list(self.g.objects(dataset_ref, DCT.publisher)):
            self.g.remove((old, None, None))
        self.g.remove((dataset_ref, DCT.publisher, None))
        agent = URIRef(f"{config.site_url()}/organization/{org.get('name')}")
        self.g.add((dataset_ref, DCT.publisher, agent))
        self.g.add((agent, RDF.type, FOAF.Organization))
        self.g.add((agent, FOAF.name, Literal(title)))

    def _contact(self, dataset_ref: Any) -> None:
        walidata = _org(config.walidata_org())
        if walidata is None:
            return
        for old in list(self.g.objects(dataset_ref, DCAT.contactPoint)):
            self.g.remove((old, None, None))
        self.g.remove((dataset_ref, DCAT.contactPoint, None))
        contact = URIRef(f"{config.site_url()}/organization/{walidata.name}#walidata")
        self.g.add((dataset_ref, DCAT.contactPoint, contact))
        self.g.add((contact, RDF.type, VCARD.Organization))
        self.g.add((contact, VCARD.fn, Literal(
            f"Walidata {config.city_name()}: {walidata.title or walidata.name}")))
        self.g.add((contact, VCARD.hasURL, URIRef(config.site_url() + "/")))
