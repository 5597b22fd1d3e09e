"""The portal in a real browser: login per actor and the core pages in Indonesian."""
from __future__ import annotations

import pytest

from .conftest import login, shot

pytestmark = pytest.mark.browser


def test_home_page_is_indonesian(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "id"
    shot(page, "home")


@pytest.mark.parametrize(
    "user", ["walidata", "pembina", "sekretariat", "operator_dinkes"]
)
def test_each_actor_logs_in(page, user):
    login(page, user)
    page.goto("/dashboard/datasets")
    assert "/user/login" not in page.url
    assert page.locator("body").inner_text()


def test_dataset_page_shows_satu_data_metadata(page):
    page.goto("/dataset/jumlah-fasilitas-kesehatan")
    body = page.locator("body").inner_text()
    assert "Jumlah Fasilitas Kesehatan menurut Jenis" in body
    assert "Kode Data" in body and "2025-DINKES-001" in body
    shot(page, "dataset")
