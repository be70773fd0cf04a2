from clientela.platform.models import Role


def test_builtin_roles_exist_after_migrate(db):
    slugs = set(Role.objects.values_list("slug", flat=True))
    assert {
        "administrator",
        "sales-manager",
        "sales-rep",
        "marketing",
        "service-agent",
        "contact-center-agent",
        "read-only",
    } <= slugs


def test_api_me_with_token(make_user, api_as):
    user = make_user("sales-rep")
    response = api_as(user).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == user.username
