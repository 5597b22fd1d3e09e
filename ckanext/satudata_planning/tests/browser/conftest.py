"""A real portal and a real browser for screen tests.

The portal runs as ``ckan run`` in a subprocess on a free port, against its own
database (``satudata_browser``, ``SATUDATA_BROWSER_DB``) and DataStore database
(that name plus ``_ds``, ``SATUDATA_BROWSER_DS_DB``) seeded with the demo, so
these tests never share rows with the in-process tests. Step 10's data tables
are on, as in the portal's default. Chromium is Debian's, driven by
Playwright with the flags that work offline. Screenshots land in
``test-artifacts/screenshots``.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from ckanext.satudata_planning import demo

ROOT = Path(__file__).resolve().parents[4]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
DB_NAME = os.environ.get("SATUDATA_BROWSER_DB", "satudata_browser")
DS_DB_NAME = os.environ.get("SATUDATA_BROWSER_DS_DB", f"{DB_NAME}_ds")
PG = "postgresql://satudata:satudata@127.0.0.1:5432"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _recreate_database(name: str = DB_NAME) -> None:
    conn = psycopg2.connect(f"{PG}/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s",
            (name,),
        )
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
    conn.close()


def _datastore_permissions(sql: str) -> None:
    """Run what ``ckan datastore set-permissions`` prints on the DataStore
    database (its owner may: scripts/setup.sh runs it as postgres), without
    psql's meta-commands (``\\connect``)."""
    conn = psycopg2.connect(f"{PG}/{DS_DB_NAME}")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("\n".join(line for line in sql.splitlines()
                              if not line.startswith("\\")))
    conn.close()


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"portal exited:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url + "/api/3/action/status_show", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"portal did not answer in 90 s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a seeded demo portal running in its own process."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    tmp = tmp_path_factory.mktemp("portal")
    ini = tmp / "browser.ini"
    test_ini = (ROOT / "test.ini").read_text()
    ini.write_text(
        test_ini.replace("testing = true\n", "")
        .replace("satudata_test", DB_NAME)
        .replace("satudata_ds_test", DS_DB_NAME)
        .replace("ckanext.satudata_planning.data_tables = false",
                 "ckanext.satudata_planning.data_tables = true")
        .replace("http://test.ckan.net", base)
        .replace("/tmp/satudata-test-storage", str(tmp / "storage"))
        .replace("redis://127.0.0.1:6379/1", "redis://127.0.0.1:6379/4")
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CKAN_")}
    ckan = str(Path(sys.executable).with_name("ckan"))
    _recreate_database()
    _recreate_database(DS_DB_NAME)
    _datastore_permissions(subprocess.run(
        [ckan, "-c", str(ini), "datastore", "set-permissions"], check=True, env=env,
        capture_output=True, text=True).stdout)
    for args in (["db", "upgrade"], ["satudata", "seed-demo"]):
        subprocess.run([ckan, "-c", str(ini), *args], check=True, env=env,
                       capture_output=True)
    log = tmp / "portal.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            # no reloader: a file saved during the run must not restart it
            [ckan, "-c", str(ini), "run", "-H", "127.0.0.1", "-p", str(port), "-r"],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )
    try:
        _wait_until_up(base, proc, log)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, portal):  # noqa: ANN001 - Playwright objects
    context = browser.new_context(
        base_url=portal, locale="id-ID", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def login(page, user: str, password: str = demo.DEMO_PASSWORD) -> None:  # noqa: ANN001
    """Log in through CKAN's login form, as a person would."""
    page.goto("/user/login")
    page.fill("#field-login", user)
    page.fill("#field-password", password)
    with page.expect_navigation():
        page.press("#field-password", "Enter")
    if "/user/login" in page.url:
        raise AssertionError(f"login as {user} failed")


def shot(page, name: str) -> Path:  # noqa: ANN001
    """Save a full-page screenshot as a test artefact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
