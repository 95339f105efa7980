"""Authentication, the error shape, trailing slashes and the schema and docs pages."""

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/bookings", "/bookings/"])
def test_api_needs_authentication(api_client, path):
    response = api_client.get(path, HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    body = response.json()
    assert body["status"] == response.status_code
    assert body["message"] and body["path"] == path


@pytest.mark.django_db
def test_token_from_drf_create_token_authenticates(api_client, user, capsys):
    call_command("drf_create_token", user.username)
    token = Token.objects.get(user=user)
    assert token.key in capsys.readouterr().out
    response = api_client.get("/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_token_answers_as_drfs_token_authentication(api_client, user, other_user):
    """The token lookup runs from a compiled template (roombooking/authentication.py); what it
    answers is DRF's: the token's user, an unknown token and an inactive user's token refused."""
    token = Token.objects.create(user=user)
    response = api_client.get("/bookings", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert response.wsgi_request.user == user and response.wsgi_request.auth == token
    unknown = api_client.get("/bookings", HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert (unknown.status_code, unknown.json()["message"]) == (401, "Invalid token.")
    other_user.is_active = False
    other_user.save()
    inactive = Token.objects.create(user=other_user)
    refused = api_client.get("/bookings", HTTP_AUTHORIZATION=f"Token {inactive.key}")
    assert (refused.status_code, refused.json()["message"]) == (401, "User inactive or deleted.")


@pytest.mark.django_db
def test_session_login_for_the_browsable_api(client, user):
    page = client.get("/api-auth/login/")
    assert page.status_code == 200
    assert client.login(username=user.username, password="secret-pass-123")
    root = client.get("/", HTTP_ACCEPT="text/html")
    assert root.status_code == 200
    assert b"Log out" in root.content or b"logout" in root.content


@pytest.mark.django_db
def test_unknown_path_is_a_json_404(client_for, user):
    response = client_for(user).get("/no/such/thing")
    assert response.status_code == 404
    assert response.json() == {
        "status": 404,
        "error": "Not Found",
        "code": "not_found",
        "message": "Not found.",
        "path": "/no/such/thing",
    }


@pytest.mark.django_db
def test_malformed_json_is_a_400_in_the_error_shape(client_for, user):
    response = client_for(user).post(
        "/api-auth/../bookings", data="{not json", content_type="application/json"
    )
    assert response.status_code in {400, 404, 405}
    assert response.json()["status"] == response.status_code


@pytest.mark.django_db
def test_schema_and_docs_are_public_and_offline(api_client):
    schema = api_client.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    docs = api_client.get("/api/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html  # served by the sidecar


@pytest.mark.django_db
def test_the_schema_documents_429_where_a_throttle_can_answer_it(api_client):
    paths = api_client.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    codes = lambda path, method: set(paths["paths"][path][method]["responses"])  # noqa: E731
    # Schemathesis met the calendar feed's per-address limit, a 429 its schema did not list.
    assert "429" in codes("/calendars/{token}.ics", "get")
    assert "429" in codes("/bookings/", "post")
    assert "429" not in codes("/bookings/", "get")  # the write throttle lets reads through


@pytest.mark.django_db
def test_admin_login_page_renders(client):
    assert client.get("/admin/login/").status_code == 200


def test_conflict_and_validation_errors_share_the_error_shape(rf):
    from django.core.exceptions import ValidationError

    from roombooking.errors import Conflict, api_exception_handler

    request = rf.get("/bookings")
    conflict = api_exception_handler(
        Conflict("Slot taken.", conflicts=[{"id": 1}]), {"request": request}
    )
    assert conflict.status_code == 409
    assert conflict.data == {
        "status": 409,
        "error": "Conflict",
        "code": "conflict",
        "message": "Slot taken.",
        "conflicts": [{"id": 1}],
        "path": "/bookings",
    }
    invalid = api_exception_handler(
        ValidationError({"useEndDtm": ["must be after useStartDtm"]}), {"request": request}
    )
    assert invalid.status_code == 400
    assert invalid.data["errors"] == {"useEndDtm": ["must be after useStartDtm"]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "resource", ["bookings", "rooms", "confirms", "notifications", "bookingLists"]
)
@pytest.mark.parametrize("slash", ["", "/"])
def test_every_resource_answers_with_and_without_a_trailing_slash(
    client_for, user, resource, slash
):
    client = client_for(user)
    assert client.get(f"/{resource}{slash}").status_code == 200
    post = client.post(f"/{resource}{slash}", {}, format="json")
    assert post.status_code not in {301, 302, 307, 308, 404}  # never redirected, never missing
