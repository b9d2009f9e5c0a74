"""measure_pages: every list page and changelist answers, and its query count does not grow with the data.

The same pages are measured at two data sizes; a page whose count differs runs a query per row
somewhere (an N+1), which at 50,000 agents is what makes a page slow.
"""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from backoffice.management.commands import measure_pages

SMALLER = {"locations": 3, "agents_per_location": 2, "actions_per_agent": 2, "audit_events": 150,
           "templates": 2, "rollouts": 2}
BIGGER = {"locations": 9, "agents_per_location": 4, "actions_per_agent": 3, "audit_events": 900,
          "templates": 4, "rollouts": 6}


def seed(reset=False, **sizes):
    call_command("seed_scale", reset=reset, stdout=StringIO(), **sizes)


def measure_all() -> dict[str, measure_pages.Measurement]:
    client, user = measure_pages.logged_in_client()
    pages = measure_pages.site_pages(measure_pages.sample_ids()) + measure_pages.admin_pages(user)
    results = {}
    for page in pages:
        result = measure_pages.measure(client, page, repeat=0)
        if result.status != 405:  # writes (POST only) are not pages
            results[page.label] = result
    return results


@pytest.mark.django_db
def test_every_page_answers_and_the_query_count_does_not_grow_with_the_data():
    seed(**SMALLER)
    small = measure_all()
    seed(reset=True, **BIGGER)
    big = measure_all()

    assert {label: r.status for label, r in small.items() if r.status != 200} == {}
    assert {label: r.status for label, r in big.items() if r.status != 200} == {}
    # The pages found: the back office's list pages and every admin changelist, with variants.
    for label in ("agents:location_list", "agents:location_list ?page=last", "agents:location_detail",
                  "agents:agent_detail", "agents:template_list", "agents:rollout_list", "agents:rollout_detail",
                  "audit:trail", "audit:trail ?verb=updated", "audit:deletion_list",
                  "admin:agents_agent_changelist", "admin:agents_agent_changelist ?q=",
                  "admin:agents_agent_changelist filter 1", "admin:audit_auditevent_changelist ?p=last",
                  "admin:auth_user_changelist"):
        assert label in big, label
    assert small.keys() == big.keys()
    grew = {label: (small[label].queries, big[label].queries)
            for label in big if small[label].queries != big[label].queries}
    assert grew == {}


@pytest.mark.django_db
def test_command_prints_a_table_and_fails_when_a_page_is_over_budget():
    seed(**SMALLER)
    out = StringIO()
    call_command("measure_pages", repeat=1, only="location_list", stdout=out)
    table = out.getvalue()
    assert "/locations/?q=Dental" in table and "queries" in table and "median ms" in table
    assert "All 5 pages answered 200" in table

    with pytest.raises(CommandError, match="at or over 0 ms"):
        call_command("measure_pages", repeat=1, only="location_list", budget_ms=0, stdout=StringIO())
