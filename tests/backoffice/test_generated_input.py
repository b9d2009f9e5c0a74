"""Generated input against every page, filter and form, as a superuser (who may open all of them).

Each page is read with generated query parameters (the names its own forms use, and the ones the
back office reads anywhere), and each form a page shows is posted with generated values for the
fields it shows. Whatever comes in: never a 5xx, and a form that answers with its errors (200,
not a redirect) has written nothing. The values are the classes of input that once gave a 500:
huge and nested JSON, integers of thousands of digits, NaN, unicode digits, NUL bytes, dates out
of range, long text, a `next` that is not a path, and text that made a regex backtrack.
"""
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.test import Client
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.backoffice.role_fixtures import make_role_user, url_objects  # noqa: F401
from tests.backoffice.test_url_permissions import ALL_URLS, EXPECTED, admin_model_names, url_for

pytestmark = pytest.mark.django_db

EXAMPLES_PER_PAGE = 5
# The parameter names the back office's views, filters and the admin read (besides each form's own).
COMMON_PARAMETERS = ("q", "p", "o", "e", "page", "next", "since", "until", "agent", "location", "template", "status",
                     "verb", "actor", "state", "mode", "fragment", "format", "id__exact", "location__id__exact")

KNOWN_BAD = st.sampled_from([
    "²", "①", "٣", "NaN", "Infinity", "-Infinity", "1e309", "-0", "0x1F", "99999999999999999999", "-9" * 400,
    "9999-12-31T23:59", "0001-01-01T00:00", "99999-01-01", "2026-02-30", "//evil.example", "http://evil.example/",
    "javascript:alert(1)", "\\\\evil", "\x00", "a\x00b", "{{" + " " * 3000 + "x", "{{ vars." + "a" * 3000,
    '=HYPERLINK("http://x","y")', "[" * 3000 + "]" * 3000, '{"a":' * 3000 + "1" + "}" * 3000, "1" * 5000,
    '{"x": NaN}', "[1, Infinity]", "null", "[]", '"text"', "true", "a" * 60000,
])
TEXT = st.text(max_size=40)  # any code point but surrogates, NUL included
VALUES = st.one_of(KNOWN_BAD, TEXT, st.integers().map(str), st.integers(min_value=2**63, max_value=2**200).map(str))


class _Forms(HTMLParser):
    """The POST forms of a page: their action and the names of their fields (with a select's options)."""

    def __init__(self):
        super().__init__()
        self.forms, self.current, self.select = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.current = {"method": (attrs.get("method") or "get").lower(), "action": attrs.get("action"),
                            "fields": {}}
            self.forms.append(self.current)
        elif self.current is not None and tag in ("input", "textarea", "select") and attrs.get("name"):
            if attrs.get("type") in ("submit", "button", "file") or attrs["name"] == "csrfmiddlewaretoken":
                return
            self.current["fields"].setdefault(attrs["name"], [])
            self.select = attrs["name"] if tag == "select" else None
        elif tag == "option" and self.select and attrs.get("value"):
            self.current["fields"][self.select].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None


def page_forms(response) -> list:
    """The forms of a page answered 200 (none for a download, a redirect or an error page)."""
    if response.status_code != 200 or getattr(response, "streaming", False):
        return []
    parser = _Forms()
    parser.feed(response.content.decode(errors="replace"))
    return parser.forms


def _page_keys() -> list[str]:
    """Every page a superuser can GET: the back office's own, and each admin's list, add and change page."""
    keys = []
    for key, route in ALL_URLS:
        if key in admin_model_names():
            if admin_model_names()[key][1] in ("changelist", "add", "change"):
                keys.append(key)
        elif EXPECTED.get(key, {}).get("GET") not in (None, "405") and not key.startswith("admin"):
            keys.append(key)
    return keys


PAGE_KEYS = _page_keys()
ROUTES = dict(ALL_URLS)


def page_url(key, objects) -> str | None:
    if key in admin_model_names():
        model, view = admin_model_names()[key]
        if model not in objects["models"]:  # a third-party model with no row made for it
            base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            return {"changelist": base, "add": base + "add/"}.get(view)
    return url_for(key, ROUTES[key], objects)


def row_counts() -> dict:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()
            if model._meta.app_label in ("agents", "audit", "auth")}


def _assert_answered(response, what):
    assert response.status_code < 500, f"{what} → {response.status_code}"


@pytest.fixture
def superuser_client(django_user_model):
    client = Client(raise_request_exception=False)
    client.force_login(make_role_user(django_user_model, "superuser"))
    return client


def test_the_crawl_covers_every_kind_of_page():
    assert len(PAGE_KEYS) > 60
    assert {"admin:agents_location_change", "admin:agents_agenttemplate_add", "audit:trail", "audit:trail_export",
            "agents:location_list", "agents:template_action_json", "login"} <= set(PAGE_KEYS)


@pytest.mark.parametrize("key", PAGE_KEYS)
def test_generated_query_parameters_never_give_a_server_error(key, url_objects, superuser_client):  # noqa: F811
    url, first = _open(key, url_objects, superuser_client)
    names = set(COMMON_PARAMETERS)
    for form in page_forms(first):
        if form["method"] == "get":
            names |= set(form["fields"])
    names = sorted(names)

    @settings(max_examples=EXAMPLES_PER_PAGE, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.dictionaries(st.sampled_from(names), VALUES, min_size=1, max_size=4))
    def read(query):
        _assert_answered(superuser_client.get(url, query), f"GET {url} {_short(query)}")

    read()


@pytest.mark.parametrize("key", PAGE_KEYS)
def test_generated_form_posts_never_give_a_server_error_nor_a_half_write(key, url_objects, superuser_client):  # noqa: F811
    url, first = _open(key, url_objects, superuser_client)
    forms = [form for form in page_forms(first) if form["method"] == "post" and form["fields"]]
    forms = [form for form in forms if not _is_logout(form, url)]
    if not forms:
        pytest.skip(f"{url} shows no form to post")

    @settings(max_examples=EXAMPLES_PER_PAGE, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.sampled_from(forms), st.data())
    def post(form, data):
        values = {name: data.draw(st.one_of(VALUES, st.sampled_from(options)) if options else VALUES, label=name)
                  for name, options in form["fields"].items()}
        target = form["action"] or url
        before = row_counts()
        response = superuser_client.post(target, values)
        _assert_answered(response, f"POST {target} {_short(values)}")
        if response.status_code == 200 and _shows_errors(response):
            assert row_counts() == before, f"POST {target} answered with errors but wrote rows"

    post()


def _open(key, objects, client):
    """The page's address and its first answer, as it is (which must not be a server error)."""
    url = page_url(key, objects)
    if url is None:
        pytest.skip("no object to open")
    first = client.get(url)
    _assert_answered(first, url)
    return url, first


def _is_logout(form, url):
    return "logout" in (form["action"] or url)


def _shows_errors(response) -> bool:
    if getattr(response, "streaming", False):
        return False
    return bool(re.search(rb'class="[^"]*(errorlist|errornote|field-error|error)', response.content))


def _short(values: dict) -> str:
    return repr({k: (v[:60] + f"…({len(v)} chars)" if isinstance(v, str) and len(v) > 60 else v)
                 for k, v in values.items()})
