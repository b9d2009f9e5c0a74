"""An id no row can have (beyond 64 bits) matches nothing in `__in`, on both databases."""
import pytest
from django.contrib.auth.models import Group, Permission

from agents.models import Location

pytestmark = pytest.mark.django_db

BEYOND_64_BITS = 2**63


def test_in_ignores_values_outside_the_column_s_range():
    location = Location.objects.create(hl_id="loc-1", name="Bright Smiles")
    assert list(Location.objects.filter(pk__in=[BEYOND_64_BITS, location.pk])) == [location]
    assert list(Location.objects.filter(pk__in=[BEYOND_64_BITS, -BEYOND_64_BITS - 1])) == []
    assert list(Location.objects.filter(pk__in=[str(BEYOND_64_BITS)])) == []  # as a form sends it


def test_a_form_choosing_such_an_id_says_the_choice_is_not_valid(admin_client):
    response = admin_client.post("/admin/auth/group/add/", {"name": "Night shift", "permissions": [str(BEYOND_64_BITS)]})

    assert response.status_code == 200
    assert "is not one of the available choices" in response.content.decode()
    assert not Group.objects.filter(name="Night shift").exists()
    assert Permission.objects.exists()
