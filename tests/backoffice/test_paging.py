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
