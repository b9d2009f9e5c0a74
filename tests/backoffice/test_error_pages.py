import pytest


@pytest.mark.django_db
def test_an_unknown_address_shows_the_back_office_404_page(client, manager_user):
    client.force_login(manager_user)
    response = client.get("/locations/999999/")
    assert response.status_code == 404
    assert "There is nothing at this address" in response.content.decode()
