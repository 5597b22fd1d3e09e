"""The demo portal: the city's organizations, one login per actor, a few datasets.

Running it again changes nothing that is already there, so ``make serve`` can
seed on every start. Everything goes through CKAN's action layer.
"""
from __future__ import annotations

import logging
from typing import Any, NamedTuple

import ckan.plugins.toolkit as tk

log = logging.getLogger(__name__)

DEMO_PASSWORD = "Pekalongan2026"


class Org(NamedTuple):
    name: str
    title: str
    description: str


ORGANIZATIONS: tuple[Org, ...] = (
    Org("diskominfo", "Dinas Komunikasi dan Informatika",
        "Walidata Kota Pekalongan: mengelola Portal Satu Data."),
    Org("bps", "BPS Kota Pekalongan",
        "Badan Pusat Statistik Kota Pekalongan, Pembina Data statistik."),
    Org("bappeda", "Badan Perencanaan Pembangunan Daerah, Penelitian dan "
        "Pengembangan", "Sekretariat Satu Data Tingkat Daerah."),
    Org("dinkes", "Dinas Kesehatan", "Produsen Data bidang kesehatan."),
    Org("dindikbud", "Dinas Pendidikan dan Kebudayaan",
        "Produsen Data bidang pendidikan dan kebudayaan."),
    Org("dindukcapil", "Dinas Kependudukan dan Pencatatan Sipil",
        "Produsen Data kependudukan."),
    Org("dinsos", "Dinas Sosial, Pemberdayaan Perempuan dan Perlindungan Anak",
        "Produsen Data bidang sosial."),
    Org("dinhub", "Dinas Perhubungan", "Produsen Data bidang perhubungan."),
    Org("dpupr", "Dinas Pekerjaan Umum dan Penataan Ruang",
        "Produsen Data bidang pekerjaan umum dan tata ruang."),
    Org("dlh", "Dinas Lingkungan Hidup", "Produsen Data bidang lingkungan hidup."),
    Org("dinperkim", "Dinas Perumahan Rakyat dan Kawasan Permukiman",
        "Produsen Data bidang perumahan dan permukiman."),
    Org("dindagkop", "Dinas Perdagangan, Koperasi dan Usaha Kecil Menengah",
        "Produsen Data bidang perdagangan dan koperasi."),
    Org("dinperpa", "Dinas Pertanian, Pangan dan Perikanan",
        "Produsen Data bidang pertanian, pangan dan perikanan."),
    Org("bpkad", "Badan Pengelolaan Keuangan dan Aset Daerah",
        "Produsen Data keuangan daerah."),
    Org("kec-pekalongan-barat", "Kecamatan Pekalongan Barat",
        "Produsen Data tingkat kecamatan."),
    Org("kec-pekalongan-timur", "Kecamatan Pekalongan Timur",
        "Produsen Data tingkat kecamatan."),
    Org("kec-pekalongan-utara", "Kecamatan Pekalongan Utara",
        "Produsen Data tingkat kecamatan."),
    Org("kec-pekalongan-selatan", "Kecamatan Pekalongan Selatan",
        "Produsen Data tingkat kecamatan."),
)


class Login(NamedTuple):
    name: str
    fullname: str
    role: str  # as shown to the person starting the demo
    memberships: tuple[tuple[str, str], ...]  # (organization, capacity)
    sysadmin: bool = False


LOGINS: tuple[Login, ...] = (
    Login("admin", "Administrator Portal", "Sysadmin", (), sysadmin=True),
    Login("walidata", "Rina Walidata (Diskominfo)", "Walidata",
          (("diskominfo", "editor"),)),
    Login("pembina", "Budi Pembina (BPS)", "Pembina Data", (("bps", "editor"),)),
    Login("sekretariat", "Sari Sekretariat (Bappeda)", "Sekretariat",
          (("bappeda", "editor"),)),
    Login("operator_dinkes", "Operator Dinas Kesehatan",
          "Produsen Data (Dinkes, Dinsos)",
          (("dinkes", "editor"), ("dinsos", "editor"))),
    Login("operator_dindikbud", "Operator Dinas Pendidikan dan Kebudayaan",
          "Produsen Data (Dindikbud, Dindukcapil)",
          (("dindikbud", "editor"), ("dindukcapil", "editor"))),
    Login("operator_dinhub", "Operator Dinas Perhubungan",
          "Produsen Data (Dinhub, DPUPR)",
          (("dinhub", "editor"), ("dpupr", "editor"))),
    Login("operator_dlh", "Operator Dinas Lingkungan Hidup",
          "Produsen Data (DLH, Dinperkim)",
          (("dlh", "editor"), ("dinperkim", "editor"))),
    Login("operator_dindagkop", "Operator Dinas Perdagangan",
          "Produsen Data (Dindagkop, Dinperpa)",
          (("dindagkop", "editor"), ("dinperpa", "editor"))),
    Login("operator_bpkad", "Operator BPKAD", "Produsen Data (BPKAD, Kec. Barat)",
          (("bpkad", "editor"), ("kec-pekalongan-barat", "editor"))),
    Login("operator_kecamatan", "Operator Kecamatan",
          "Produsen Data (Kec. Timur, Utara, Selatan)",
          (("kec-pekalongan-timur", "editor"), ("kec-pekalongan-utara", "editor"),
           ("kec-pekalongan-selatan", "editor"))),
    Login("pimpinan_dinkes", "Kepala Dinas Kesehatan", "Anggota (baca saja)",
          (("dinkes", "member"),)),
)


DATASETS: tuple[dict[str, Any], ...] = (
    {
        "name": "jumlah-penduduk-menurut-kecamatan",
        "title": "Jumlah Penduduk menurut Kecamatan dan Jenis Kelamin",
        "owner_org": "dindukcapil",
        "notes": "Jumlah penduduk Kota Pekalongan per kecamatan dan jenis kelamin, "
        "hasil konsolidasi data kependudukan semester II.",
        "kode_data": "2025-DINDUKCAPIL-001", "tahun": 2025,
        "jenis_data": "statistik_sektoral", "bentuk": "variabel",
        "kategori_sumber": ["kpda", "perencanaan"], "ukuran": "jumlah",
        "satuan": "orang", "tingkat_penyajian": "kecamatan",
        "frekuensi": "semesteran", "cara_pengumpulan": "kompilasi_produk_administrasi",
        "sumber_data": "SIAK", "sifat_akses": "terbuka",
        "tags": [{"name": "kependudukan"}, {"name": "penduduk"}],
    },
    {
        "name": "jumlah-fasilitas-kesehatan",
        "title": "Jumlah Fasilitas Kesehatan menurut Jenis",
        "owner_org": "dinkes",
        "notes": "Rumah sakit, puskesmas, klinik dan apotek di Kota Pekalongan.",
        "kode_data": "2025-DINKES-001", "tahun": 2025,
        "jenis_data": "statistik_sektoral", "bentuk": "variabel",
        "kategori_sumber": ["kpda", "spm"], "ukuran": "jumlah", "satuan": "unit",
        "tingkat_penyajian": "kota", "frekuensi": "tahunan",
        "cara_pengumpulan": "kompilasi_produk_administrasi",
        "sumber_data": "Profil Kesehatan", "sifat_akses": "terbuka",
        "tags": [{"name": "kesehatan"}],
    },
    {
        "name": "angka-partisipasi-murni",
        "title": "Angka Partisipasi Murni (APM) Pendidikan Dasar",
        "owner_org": "dindikbud",
        "notes": "APM SD/MI dan SMP/MTs per kecamatan.",
        "kode_data": "2025-DINDIKBUD-001", "tahun": 2025,
        "jenis_data": "statistik_sektoral", "bentuk": "indikator",
        "kategori_sumber": ["prioritas_nasional", "sdgs"], "ukuran": "persentase",
        "satuan": "%", "rumus": "Murid usia sekolah / penduduk usia sekolah x 100",
        "tingkat_penyajian": "kecamatan", "frekuensi": "tahunan",
        "cara_pengumpulan": "kompilasi_produk_administrasi",
        "sumber_data": "Dapodik", "sifat_akses": "terbuka",
        "tags": [{"name": "pendidikan"}],
    },
    {
        "name": "penerima-bantuan-sosial",
        "title": "Jumlah Keluarga Penerima Bantuan Sosial",
        "owner_org": "dinsos",
        "notes": "Keluarga penerima PKH dan BPNT per kelurahan.",
        "kode_data": "2025-DINSOS-001", "tahun": 2025,
        "jenis_data": "statistik_sektoral", "bentuk": "variabel",
        "kategori_sumber": ["sektoral_opd"], "ukuran": "jumlah", "satuan": "keluarga",
        "tingkat_penyajian": "kelurahan", "frekuensi": "triwulanan",
        "cara_pengumpulan": "kompilasi_produk_administrasi",
        "sumber_data": "DTKS", "sifat_akses": "terbatas",
        "tags": [{"name": "sosial"}],
    },
    {
        "name": "panjang-jalan-menurut-kondisi",
        "title": "Panjang Jalan Kota menurut Kondisi",
        "owner_org": "dpupr",
        "notes": "Panjang jalan kota (km) dalam kondisi baik, sedang, rusak.",
        "kode_data": "2025-DPUPR-001", "tahun": 2025,
        "jenis_data": "statistik_sektoral", "bentuk": "variabel",
        "kategori_sumber": ["perencanaan", "spm"], "ukuran": "jumlah", "satuan": "km",
        "tingkat_penyajian": "kota", "frekuensi": "tahunan",
        "cara_pengumpulan": "pencacahan_lengkap", "sumber_data": "Survei kondisi jalan",
        "sifat_akses": "terbuka", "tags": [{"name": "infrastruktur"}],
    },
    {
        "name": "volume-sampah-terangkut",
        "title": "Volume Sampah Terangkut per Hari",
        "owner_org": "dlh",
        "notes": "Rata-rata volume sampah yang terangkut ke TPA per hari.",
        "kode_data": "2025-DLH-001", "tahun": 2025,
        "jenis_data": "statistik_sektoral", "bentuk": "indikator",
        "kategori_sumber": ["sdgs"], "ukuran": "rata_rata", "satuan": "m3/hari",
        "tingkat_penyajian": "kota", "frekuensi": "bulanan",
        "cara_pengumpulan": "kompilasi_produk_administrasi",
        "sumber_data": "Laporan UPT TPA", "sifat_akses": "terbuka",
        "tags": [{"name": "lingkungan"}],
    },
)


def _site_context() -> dict[str, Any]:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site_user["name"], "ignore_auth": True}


def _exists(action: str, id_: str) -> bool:
    try:
        tk.get_action(action)(_site_context(), {"id": id_})
    except tk.ObjectNotFound:
        return False
    return True


def seed() -> dict[str, int]:
    """Create what is missing of the demo; return how many of each were made."""
    made = {"organizations": 0, "users": 0, "memberships": 0, "datasets": 0}
    for org in ORGANIZATIONS:
        if not _exists("organization_show", org.name):
            tk.get_action("organization_create")(
                _site_context(),
                {"name": org.name, "title": org.title, "description": org.description},
            )
            made["organizations"] += 1

    for login in LOGINS:
        if not _exists("user_show", login.name):
            tk.get_action("user_create")(
                _site_context(),
                {
                    "name": login.name,
                    "fullname": login.fullname,
                    "email": f"{login.name}@pekalongankota.go.id",
                    "password": DEMO_PASSWORD,
                },
            )
            made["users"] += 1
        if login.sysadmin:
            tk.get_action("user_patch")(
                _site_context(), {"id": login.name, "sysadmin": True}
            )
        user_id = tk.get_action("user_show")(_site_context(), {"id": login.name})["id"]
        for org_name, capacity in login.memberships:
            # member_list translates capacities; filter on the stored value.
            members = tk.get_action("member_list")(
                _site_context(),
                {"id": org_name, "object_type": "user", "capacity": capacity},
            )
            if any(m[0] == user_id for m in members):
                continue
            tk.get_action("organization_member_create")(
                _site_context(),
                {"id": org_name, "username": login.name, "role": capacity},
            )
            made["memberships"] += 1

    for dataset in DATASETS:
        if not _exists("package_show", dataset["name"]):
            data = dict(dataset, license_id="cc-by", private=False)
            data["resources"] = [
                {
                    "name": f"{dataset['title']} {dataset['tahun']}",
                    "url": f"https://data.pekalongankota.go.id/unduh/{dataset['name']}.csv",
                    "format": "CSV",
                }
            ]
            tk.get_action("package_create")(_site_context(), data)
            made["datasets"] += 1
    return made
