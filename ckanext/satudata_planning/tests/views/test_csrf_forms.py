"""Every form of our screens carries CKAN's CSRF token; a POST without it is refused.

The screens are not listed by hand: the rules of our blueprints are read from
the Flask URL map, so a new screen is walked (and its forms checked) as soon as
it is registered. Their URL parameters are filled from cycles seeded at the
steps where the forms appear (step 1: rows; 2: recommendations; 4: desk with a
duplicate pair; 6: forum; 9: publication; 10: portal, with its datasets made,
one filled and one submitted for checking).

* Walk: every GET screen of every cycle as the sysadmin, then every page that
  has a form as every other actor and anonymously (see :func:`_walk`): no 5xx,
  every ``<form method="post">`` has the token field (``WTF_CSRF_FIELD_NAME``),
  every screen answers 200, every POST rule is the action of a form seen.
* Submit: for every POST rule, a form of it as rendered (with its values) is
  posted by someone who sees it: without the token (session cookie present)
  it is refused with CKAN's CSRF error and the database, the stored files and
  the provisioning status are unchanged; with the token it is accepted.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Optional
from urllib.parse import urlsplit

import ckan.model as model
import ckan.plugins.toolkit as tk
import flask
import pytest
import sqlalchemy as sa
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import AnyConverter, Rule

from ckanext.satudata_planning import provisioning as provision
from ckanext.satudata_planning.model import Cycle, Item
from ckanext.satudata_planning.tests.factories import add_item, seeded_cycle
from ckanext.satudata_planning.tests.web import login

BLUEPRINTS = ("satudata_planning", "satudata_forum", "satudata_portal")
#: year → steps completed: the cycle stands at the next one
CYCLES = {2025: 0, 2026: 1, 2027: 3, 2028: 5, 2029: 8, 2030: 9}
ACTORS = ("walidata", "pembina", "sekretariat", "produsen", "produsen_lain",
          "anggota", "sysadmin", None)
#: submitted last: they take away what other forms act on
LAST = ("item_delete", "complete_step", "dokumen_publish")
#: Flask-WTF's refusal (``CSRFError``), as CKAN's error page shows it
CSRF_REFUSAL = "CSRF token"


@dataclass
class Seeded:
    tahun: int
    cycle_id: str
    step: int
    kode: str
    #: names of the datasets step 10 made (the cycle at step 10 only)
    datasets: list[str] = field(default_factory=list)


@pytest.fixture
def seeded(actors: Any, call_as: Any, storage: str) -> Iterator[dict[int, Seeded]]:
    """One cycle per year of :data:`CYCLES`, walked through the actions."""
    out = {}
    for tahun, done in CYCLES.items():
        cycle = seeded_cycle(call_as, actors, done, tahun=tahun)
        if done == 3:  # the desk's duplicates panel needs a candidate pair
            for org in ("dinkes", "dinsos"):
                add_item(cycle["id"], org, nama_data="Jumlah Penduduk Miskin",
                         kode_data=f"{tahun}-{org.upper()}-DUP", tahun=tahun)
        kode = model.Session.execute(
            sa.select(Item.kode_data).where(
                Item.cycle_id == cycle["id"], Item.nama_data == "Jumlah Puskesmas")
        ).scalar_one()
        row = model.Session.get(Cycle, cycle["id"])
        assert row is not None and row.current_step == done + 1
        out[tahun] = Seeded(tahun, cycle["id"], row.current_step, kode)
    # after step 10: one dataset filled (its OPD's "Ajukan pemeriksaan"), one
    # submitted (the Walidata's decision), on the cycle at step 10
    last = out[max(CYCLES)]
    call_as("satudata_provision", actors.walidata, cycle_id=last.cycle_id)
    listed = call_as("satudata_verification_list", actors.walidata,
                     cycle_id=last.cycle_id, organization="dinkes")["results"]
    for n, dataset in enumerate(listed[:2]):
        call_as("resource_create", actors.produsen, package_id=dataset["package_id"],
                url="http://example.com/data.csv", name="Data")
        if n == 1:
            call_as("satudata_dataset_submit", actors.produsen, id=dataset["name"])
        last.datasets.append(dataset["name"])
    yield out
    redis = provision.redis_connection()  # the status a provisioning post left
    redis.delete(*(provision.status_key(c.cycle_id) for c in out.values()))


# --- the screens ------------------------------------------------------------------


def _rules(app: Any) -> list[Rule]:
    return sorted(
        (r for r in app.flask_app.url_map.iter_rules()
         if r.endpoint.split(".")[0] in BLUEPRINTS),
        key=lambda r: (r.endpoint, r.rule))


def _values(rule: Rule, arg: str, cycle: Seeded) -> list[Any]:
    """The values of one URL parameter; fails on a parameter it cannot fill."""
    if arg == "tahun":
        return [cycle.tahun]
    if arg == "kode":
        return [cycle.kode]
    if arg == "nomor":
        return [cycle.step]
    if arg == "dataset":
        return list(cycle.datasets)
    converter = rule._converters.get(arg)  # werkzeug keeps them here
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)
    pytest.fail(f"{rule.endpoint} ({rule.rule}) cannot be visited: no value for "
                f"its parameter {arg!r}; teach test_csrf_forms._values about it")


def _urls(app: Any, rule: Rule, seeded: dict[int, Seeded]) -> list[str]:
    """Every URL of ``rule`` over the seeded cycles (one if it takes no year:
    the one with datasets when it takes a dataset)."""
    if "tahun" in rule.arguments:
        cycles = list(seeded.values())
    elif "dataset" in rule.arguments:
        cycles = [c for c in seeded.values() if c.datasets]
    else:
        cycles = [next(iter(seeded.values()))]
    urls: list[str] = []
    for cycle in cycles:
        combos: list[dict[str, Any]] = [{}]
        for arg in sorted(rule.arguments):
            combos = [{**c, arg: v} for c in combos for v in _values(rule, arg, cycle)]
        with app.flask_app.test_request_context():
            urls.extend(flask.url_for(rule.endpoint, **c) for c in combos)
    return urls


def _endpoint(app: Any, path: str, method: str) -> Optional[str]:
    try:
        endpoint, _args = app.flask_app.url_map.bind("localhost").match(
            path, method=method)
    except (NotFound, MethodNotAllowed):
        return None
    return endpoint


# --- the forms ----------------------------------------------------------------------


@dataclass
class Form:
    method: str
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    has_file: bool = False
    submit: Optional[tuple[str, str]] = None

    def data(self, token: bool) -> dict[str, list[str]]:
        """What a browser posts when its first submit button is pressed."""
        out: dict[str, list[str]] = {}
        for name, value in [*self.fields, *([self.submit] if self.submit else [])]:
            if token or name != csrf_field():
                out.setdefault(name, []).append(value)
        return out


class _Forms(HTMLParser):
    """The forms of a page, with the values a browser would send."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Optional[Form] = None
        self._select: Optional[str] = None
        self._textarea: Optional[list[str]] = None
        self._chosen: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form((a.get("method") or "get").lower(), a.get("action", ""))
            self.forms.append(self._form)
            self._chosen = set()
            return
        form, name = self._form, a.get("name", "")
        if form is None:
            return
        kind = a.get("type", "text").lower()
        if tag == "input" and name:
            if kind == "file":
                form.has_file = True
            elif kind in ("checkbox", "radio"):
                # the first one of each name, checked or not: the post acts
                if "checked" in a or name not in self._chosen:
                    self._chosen.add(name)
                    form.fields.append((name, a.get("value", "on")))
            elif kind == "submit":
                form.submit = form.submit or (name, a.get("value", ""))
            else:
                form.fields.append((name, a.get("value", "")))
        elif tag == "button" and kind == "submit" and form.submit is None:
            form.submit = (name, a.get("value", "")) if name else ("", "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and self._select not in self._chosen:
            if a.get("value"):
                self._chosen.add(self._select)
                form.fields.append((self._select, a["value"]))
        elif tag == "textarea" and name:
            self._textarea = [name]

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form:
            name, *text = self._textarea
            self._form.fields.append((name, "".join(text)))
            self._textarea = None


def forms_of(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def csrf_field() -> str:
    return tk.config.get("WTF_CSRF_FIELD_NAME") or "_csrf_token"


def _as(app: Any, actors: Any, who: Optional[str]) -> None:
    if who is None:
        app.client = app.test_client()
    else:
        login(app, getattr(actors, who))


# --- what a refused post must leave alone ---------------------------------------------


def _fingerprint(seeded: dict[int, Seeded], storage: str) -> dict[str, Any]:
    """Every table's content (``user`` aside: a request stamps last_active),
    the stored files and the provisioning status in Redis."""
    model.Session.rollback()
    tables = sorted(t for t in sa.inspect(model.meta.engine).get_table_names()
                    if t not in ("user", "alembic_version") and
                    not t.startswith("alembic_version"))
    query = " UNION ALL ".join(
        f"SELECT '{t}', md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), ''))"
        f" FROM \"{t}\" x" for t in tables)
    state: dict[str, Any] = dict(model.Session.execute(sa.text(query)).all())
    state["files"] = sorted(
        (os.path.relpath(os.path.join(d, f), storage), os.path.getsize(
            os.path.join(d, f)))
        for d, _dirs, files in os.walk(storage) for f in files)
    state["status"] = {c.tahun: provision.read_status(c.cycle_id)
                       for c in seeded.values()}
    model.Session.rollback()
    return state


# --- the test --------------------------------------------------------------------


@dataclass
class Seen:
    """A POST form found in the walk: who saw it, on which page."""

    who: Optional[str]
    page: str
    endpoint: str
    action: str


def _walk(app: Any, actors: Any, seeded: dict[int, Seeded]) -> tuple[
        list[str], dict[str, set[int]], dict[str, list[Seen]]]:
    """Visit every GET screen; returns (problems, statuses per GET endpoint,
    POST forms per endpoint).

    The sysadmin, who may do everything, opens every screen of every cycle
    (a download, once it answered with a file, only once). Every other actor,
    and an anonymous visitor, then opens each page on which the sysadmin found
    a POST form: the forms change with the viewer's roles, the pages without
    one of ours stay without for everyone (a form is shown to those who may
    act).
    """
    problems: list[str] = []
    statuses: dict[str, set[int]] = {}
    posts: dict[str, list[Seen]] = {}
    with_forms: list[str] = []
    downloads: set[str] = set()

    def visit(who: Optional[str], endpoint: str, url: str) -> bool:
        """Open ``url``, check its forms (CKAN's own, such as the language
        switcher, too); True when one of them posts to our screens."""
        res = app.get(url, follow_redirects=False)
        statuses.setdefault(endpoint, set()).add(res.status_code)
        if res.status_code >= 500:
            problems.append(f"{who}: GET {url} answered {res.status_code}")
        if res.status_code != 200:
            return False
        if "html" not in res.content_type:
            downloads.add(endpoint)
            return False
        found = False
        for form in forms_of(res.get_data(as_text=True)):
            if form.method != "post":
                continue
            token = [v for n, v in form.fields if n == csrf_field()]
            if len(token) != 1 or not token[0]:
                problems.append(f"{who}: a form on {url} posting to "
                                f"{form.action or url} has no {csrf_field()}")
            endpoint_post = _endpoint(app, urlsplit(form.action or url).path, "POST")
            if endpoint_post and endpoint_post.split(".")[0] in BLUEPRINTS:
                found = True
                posts.setdefault(endpoint_post, []).append(
                    Seen(who, url, endpoint_post, form.action or url))
        return found

    _as(app, actors, "sysadmin")
    for rule in _rules(app):
        if "GET" not in (rule.methods or ()):
            continue
        for url in _urls(app, rule, seeded):
            if rule.endpoint in downloads:
                break
            if visit("sysadmin", rule.endpoint, url):
                with_forms.append(url)
    # CKAN's dataset page carries our boxes (checking, the data table's import)
    for cycle in seeded.values():
        for name in cycle.datasets:
            url = f"/dataset/{name}"
            if visit("sysadmin", "dataset.read", url):
                with_forms.append(url)
    for who in ACTORS:
        if who == "sysadmin":
            continue
        _as(app, actors, who)
        for url in with_forms:
            visit(who, _endpoint(app, urlsplit(url).path, "GET") or url, url)
    return problems, statuses, posts


@pytest.mark.usefixtures("with_plugins")
# step 10 makes the data tables, so their screens (template, import, chart,
# XLSX) are walked too
@pytest.mark.ckan_config("ckanext.satudata_planning.data_tables", "true")
def test_every_form_has_the_token_and_a_post_without_it_is_refused(
    app: Any, actors: Any, seeded: dict[int, Seeded], storage: str
) -> None:
    problems, statuses, posts = _walk(app, actors, seeded)
    assert not problems, "\n".join(problems)
    get_rules = {r.endpoint for r in _rules(app) if "GET" in (r.methods or ())}
    post_rules = {r.endpoint for r in _rules(app) if "POST" in (r.methods or ())}
    assert get_rules and post_rules
    never = sorted(e for e in get_rules if 200 not in statuses.get(e, set()))
    assert not never, "screens nobody could open (seed them): " + ", ".join(
        f"{e} {sorted(statuses.get(e, set()))}" for e in never)
    unseen = sorted(post_rules - set(posts))
    assert not unseen, f"POST rules with no form on any screen: {unseen}"

    def order(endpoint: str) -> tuple[bool, str]:
        return endpoint.split(".")[-1] in LAST, endpoint

    refused: list[str] = []
    for endpoint in sorted(posts, key=order):
        # the sysadmin's copy when it has one: it may act on every cycle
        sample = next((s for s in posts[endpoint] if s.who == "sysadmin"),
                      posts[endpoint][0])
        _as(app, actors, sample.who)
        page = app.get(sample.page)
        assert page.status_code == 200, (endpoint, sample.page)
        form = next((f for f in forms_of(page.get_data(as_text=True))
                     if f.method == "post" and (f.action or sample.page)
                     == sample.action), None)
        assert form is not None, (endpoint, sample.page)

        before = _fingerprint(seeded, storage)
        res = app.post(sample.action, data=form.data(token=False),
                       follow_redirects=False)
        body = res.get_data(as_text=True)
        if res.status_code not in (400, 403) or CSRF_REFUSAL not in body:
            refused.append(f"{sample.who}: POST {sample.action} without the token "
                           f"answered {res.status_code}")
        assert _fingerprint(seeded, storage) == before, (
            f"{endpoint}: a POST without the token changed something")

        res = app.post(sample.action, data=form.data(token=True),
                       follow_redirects=False)
        assert res.status_code in (200, 302, 303), (
            f"{sample.who}: POST {sample.action} with the token answered "
            f"{res.status_code}: {res.get_data(as_text=True)[:500]}")
        assert CSRF_REFUSAL not in res.get_data(as_text=True)
    assert not refused, "\n".join(refused)
