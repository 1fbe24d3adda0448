import pytest

PAGES = ["/", "/applications/", "/centers/"]


@pytest.mark.parametrize("who", ["kjt", "chengdu", "unit_a", "experts"])
def test_every_role_reaches_its_pages(who, request, login, make_application):
    app = make_application("under_review")
    user = request.getfixturevalue(who)
    user = user[0] if isinstance(user, list) else user
    client = login(user)
    for path in [*PAGES, app.get_absolute_url()]:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
