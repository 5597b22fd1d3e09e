"""The portal's skeleton: plugins, configuration, dataset schema, demo seed, pages."""
from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories, helpers

from ckanext.satudata_planning import demo
from ckanext.satudata_planning.sop import vocabularies

pytestmark = pytest.mark.usefixtures("with_plugins")


def test_both_plugins_load():
    assert p.plugin_loaded("satudata_planning")
    assert p.plugin_loaded("satudata_pgsearch")


def test_config_options_are_declared_with_defaults():
    assert tk.config.get("ckanext.satudata_planning.walidata_org") == "diskominfo"
    assert tk.config.get("ckanext.satudata_planning.pembina_orgs") == ["bps"]
    assert tk.config.get("ckanext.satudata_planning.sekretariat_org") == "bappeda"


@pytest.mark.parametrize("name", vocabularies.NAMES)
def test_every_vocabulary_has_slugs_and_both_labels(name):
    terms = vocabularies.terms(name)
    assert terms
    for term in terms:
        assert term.value == term.value.lower() and " " not in term.value
        assert term.id and term.en


def test_vocabulary_reads_labels_in_either_language():
    assert vocabularies.from_label("frekuensi", "  TAHUNAN ") == "tahunan"
    assert vocabularies.from_label("frekuensi", "Quarterly") == "triwulanan"
    assert vocabularies.from_label("frekuensi", "sometimes") is None
    assert vocabularies.label("jenis_data", "geospasial", "en") == "Geospatial"


def test_vocabulary_file_adds_terms(tmp_path, monkeypatch):
    extra = tmp_path / "vocab.yaml"
    extra.write_text(
        "jenis_data:\n  - value: statistik_dasar\n    id: Statistik Dasar\n"
        "    en: Basic statistics\n"
    )
    monkeypatch.setitem(
        tk.config, "ckanext.satudata_planning.vocabulary_file", str(extra)
    )
    assert "statistik_dasar" in vocabularies.values("jenis_data")
    assert vocabularies.label("jenis_data", "statistik_dasar") == "Statistik Dasar"


@pytest.mark.usefixtures("clean_db", "with_plugins")
class TestDatasetSchema:
    @pytest.fixture
    def as_admin(self):
        return {"user": factories.Sysadmin()["name"]}

    def test_satu_data_fields_are_kept_and_validated(self, as_admin):
        org = factories.Organization(name="dinkes")
        dataset = helpers.call_action(
            "package_create",
            context=as_admin,
            name="jumlah-puskesmas",
            title="Jumlah Puskesmas",
            owner_org=org["id"],
            kode_data="2027-DINKES-001",
            tahun="2027",
            jenis_data="statistik_sektoral",
            kategori_sumber=["spm", "kpda"],
            frekuensi="tahunan",
            tingkat_penyajian="kecamatan",
            jadwal_rilis="2027-03-31",
        )
        shown = helpers.call_action("package_show", id=dataset["id"])
        assert shown["kode_data"] == "2027-DINKES-001"
        assert shown["tahun"] == 2027
        assert sorted(shown["kategori_sumber"]) == ["kpda", "spm"]
        assert shown["jadwal_rilis"] == "2027-03-31"

    def test_unknown_vocabulary_value_names_the_field(self, as_admin):
        org = factories.Organization()
        with pytest.raises(tk.ValidationError) as err:
            helpers.call_action(
                "package_create",
                context=as_admin,
                name="x-data",
                title="X",
                owner_org=org["id"],
                frekuensi="kadang-kadang",
            )
        assert "frekuensi" in err.value.error_dict

    def test_year_out_of_range_is_refused(self, as_admin):
        org = factories.Organization()
        with pytest.raises(tk.ValidationError) as err:
            helpers.call_action(
                "package_create", context=as_admin, name="y-data", title="Y",
                owner_org=org["id"],
                tahun="1850",
            )
        assert "tahun" in err.value.error_dict


@pytest.mark.usefixtures("clean_db", "with_plugins")
class TestDemoSeed:
    def test_seed_makes_the_city_and_is_idempotent(self):
        first = demo.seed()
        assert first["organizations"] == len(demo.ORGANIZATIONS) >= 15
        assert first["users"] == len(demo.LOGINS)
        assert first["datasets"] == len(demo.DATASETS)
        again = demo.seed()
        assert again == {"organizations": 0, "users": 0, "memberships": 0,
                         "datasets": 0}
        orgs = helpers.call_action("organization_list")
        assert {"diskominfo", "bps", "bappeda", "dinkes"} <= set(orgs)
        walidata = helpers.call_action(
            "organization_list_for_user", id="walidata", permission="create_dataset"
        )
        assert [o["name"] for o in walidata] == ["diskominfo"]

    def test_demo_login_works_with_the_printed_password(self, app):
        demo.seed()
        res = app.post(
            tk.url_for("user.login"),
            data={"login": "walidata", "password": demo.DEMO_PASSWORD},
            follow_redirects=False,
        )
        assert res.status_code == 302
        assert "login" not in res.headers["Location"]


@pytest.mark.usefixtures("clean_db", "with_plugins")
class TestPortalPages:
    """The pages the issue names answer 200 on a seeded portal."""

    @pytest.fixture
    def seeded(self):
        demo.seed()

    @pytest.mark.parametrize(
        "url",
        [
            "/",
            "/dataset/",
            "/dataset/jumlah-fasilitas-kesehatan",
            "/organization/",
            "/organization/dinkes",
            "/api/3/action/status_show",
        ],
    )
    def test_public_pages(self, app, seeded, url):
        res = app.get(url)
        assert res.status_code == 200

    def test_seeded_dataset_is_listed_on_its_organization(self, app, seeded):
        res = app.get("/organization/dinkes")
        assert "Jumlah Fasilitas Kesehatan" in res.body

    def test_dataset_form_shows_satu_data_fields(self, app, seeded):
        user = helpers.call_action("user_show", id="operator_dinkes")
        token = factories.APIToken(user=user["name"])["token"]
        res = app.get("/dataset/new", headers={"Authorization": token})
        assert res.status_code == 200
        for field in ("kode_data", "jenis_data", "frekuensi", "tingkat_penyajian",
                      "kategori_sumber", "sifat_akses"):
            assert f'name="{field}"' in res.body
