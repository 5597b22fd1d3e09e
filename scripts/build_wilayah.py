#!/usr/bin/env python3
"""Build the wilayah reference file shipped in the package (run by a developer,
never by the portal: nothing is fetched at run time).

Source: the npm registry's package ``idn-area-data`` (Kemendagri codes and
names of provinces, regencies/cities, districts and villages, ODbL), its
published tarball read once here:

    python3 scripts/build_wilayah.py [--version 4.0.1] [--tarball FILE]

writes ``ckanext/satudata_planning/sop/wilayah.csv.gz`` (columns ``kode,nama,
tingkat,induk``; ``tingkat`` is ``provinsi``, ``kota`` (kabupaten or kota),
``kecamatan`` or ``kelurahan`` (kelurahan or desa)) and
``ckanext/satudata_planning/sop/wilayah_source.json`` (package, version, its
publication date on the registry, the tarball's URL and SHA-1, the build date
and the counts).
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import pathlib
import tarfile
import urllib.request

REGISTRY = "https://registry.npmjs.org/idn-area-data"
HERE = pathlib.Path(__file__).resolve().parent.parent
OUT_DIR = HERE / "ckanext" / "satudata_planning" / "sop"
#: file in the tarball → (tingkat, column of the parent's code)
LEVELS = (
    ("provinces.csv", "provinsi", None),
    ("regencies.csv", "kota", "province_code"),
    ("districts.csv", "kecamatan", "regency_code"),
    ("villages.csv", "kelurahan", "district_code"),
)


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as resp:  # noqa: S310 (https)
        return resp.read()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--version", help="version of idn-area-data (default: latest)")
    ap.add_argument("--tarball", help="an already downloaded tarball of that version")
    args = ap.parse_args()

    meta = json.loads(_get(REGISTRY))
    version = args.version or meta["dist-tags"]["latest"]
    info = meta["versions"][version]
    url = info["dist"]["tarball"]
    data = pathlib.Path(args.tarball).read_bytes() if args.tarball else _get(url)
    sha1 = hashlib.sha1(data).hexdigest()  # noqa: S324 (the registry's shasum)
    if sha1 != info["dist"]["shasum"]:
        raise SystemExit(
            f"tarball SHA-1 {sha1} is not the registry's {info['dist']['shasum']}")

    rows: list[tuple[str, str, str, str]] = []
    counts: dict[str, int] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for name, tingkat, parent in LEVELS:
            member = tar.extractfile(f"package/data/{name}")
            assert member is not None
            reader = csv.DictReader(io.TextIOWrapper(member, encoding="utf-8"))
            n = 0
            for r in reader:
                rows.append((r["code"], r["name"].strip(), tingkat,
                             r[parent] if parent else ""))
                n += 1
            counts[tingkat] = n
    rows.sort(key=lambda r: r[0])

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(("kode", "nama", "tingkat", "induk"))
    w.writerows(rows)
    # mtime 0: the same source gives the same bytes
    (OUT_DIR / "wilayah.csv.gz").write_bytes(
        gzip.compress(buf.getvalue().encode("utf-8"), compresslevel=9, mtime=0))
    source = {
        "package": "idn-area-data",
        "version": version,
        "published": meta["time"][version],
        "tarball": url,
        "sha1": sha1,
        "license": f"{info.get('license', 'MIT')} (code); "
                   "ODbL (data, package/data/LICENSE.md)",
        "built": dt.date.today().isoformat(),
        "counts": counts,
    }
    (OUT_DIR / "wilayah_source.json").write_text(
        json.dumps(source, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(source, ensure_ascii=False))


if __name__ == "__main__":
    main()
