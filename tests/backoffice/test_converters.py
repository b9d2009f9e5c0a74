"""backoffice.converters: ids past 64 bits are a 404, not an OverflowError in the query."""
import pytest

from backoffice.converters import MAX_ID, BoundedIntConverter


def test_accepts_ids_up_to_the_column_range():
    converter = BoundedIntConverter()
    assert converter.to_python("1") == 1
    assert converter.to_python(str(MAX_ID)) == MAX_ID
    assert converter.to_url(42) == "42"


@pytest.mark.parametrize("value", [str(MAX_ID + 1), "9" * 19])
def test_refuses_ids_past_the_column_range(value):
    with pytest.raises(ValueError):
        BoundedIntConverter().to_python(value)


def test_regex_stops_at_nineteen_digits():
    import re

    assert re.fullmatch(BoundedIntConverter.regex, "9" * 19)
    assert not re.fullmatch(BoundedIntConverter.regex, "9" * 20)


def id_routes(patterns=None, prefix=""):
    """Every route string under the root URLconf whose path has an <id:...> argument."""
    from django.urls import URLPattern, URLResolver, get_resolver

    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from id_routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and "<id:" in route:
            yield route


def test_the_agents_pages_take_their_ids_through_the_bounded_converter():
    routes = list(id_routes())
    assert any(route.startswith("locations/<id:") for route in routes)
    assert any(route.startswith("templates/<id:") for route in routes)


@pytest.mark.django_db
@pytest.mark.parametrize("too_big", ["99999999999999999999", str(MAX_ID + 1)])
def test_an_id_past_64_bits_is_a_404_on_every_page_that_takes_one(admin_client, too_big):
    import re

    for route in id_routes():
        path = "/" + re.sub(r"<id:\w+>", too_big, route)
        for method in (admin_client.get, admin_client.post):
            assert method(path).status_code == 404, path
