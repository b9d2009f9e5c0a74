"""backoffice.paging: counts that stay cheap at scale, and say so when they stop."""
import pytest
from django.db.models import OuterRef

from agents.models import Agent, Location
from backoffice.paging import CappedPaginator, SubqueryCount


@pytest.fixture
def locations(db):
    made = [Location.objects.create(hl_id=f"loc-{n}", name=f"Location {n}") for n in range(5)]
    for n, location in enumerate(made):
        for m in range(n):
            Agent.objects.create(location=location, hl_id=f"a-{n}-{m}", name=f"Agent {m}",
                                 state=Agent.State.GONE if m == 0 else Agent.State.ACTIVE)
    return made


def test_capped_paginator_stops_counting_at_the_cap_and_says_there_are_more(locations):
    paginator = CappedPaginator(Location.objects.order_by("name"), 2, cap=3)
    assert paginator.count == 3
    assert paginator.capped is True
    assert paginator.num_pages == 2
    assert [loc.name for loc in paginator.get_page(99).object_list] == ["Location 2"]


def test_capped_paginator_counts_exactly_under_the_cap(locations):
    paginator = CappedPaginator(Location.objects.order_by("name"), 2, cap=10)
    assert (paginator.count, paginator.capped) == (5, False)


def test_subquery_count_counts_each_rows_related_rows(locations):
    active = Agent.objects.filter(location=OuterRef("pk"), state=Agent.State.ACTIVE)
    counts = dict(Location.objects.annotate(n=SubqueryCount(active)).values_list("name", "n"))
    assert counts == {"Location 0": 0, "Location 1": 0, "Location 2": 1, "Location 3": 2, "Location 4": 3}


def test_a_page_is_read_by_its_ids_in_the_lists_order_with_its_annotations(locations, django_assert_num_queries):
    active = Agent.objects.filter(location=OuterRef("pk"), state=Agent.State.ACTIVE)
    listed = Location.objects.annotate(n=SubqueryCount(active)).order_by("-name")
    paginator = CappedPaginator(listed, 2)
    paginator.count  # noqa: B018 (the count is its own query)
    with django_assert_num_queries(2):  # the page's ids, then its rows
        page = paginator.page(2)
        rows = [(location.name, location.n) for location in page.object_list]
    assert rows == [("Location 2", 1), ("Location 1", 0)]
    assert (page.start_index(), page.end_index(), page.has_next()) == (3, 4, True)
