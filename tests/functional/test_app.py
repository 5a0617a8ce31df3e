"""The app starts on both databases and answers its health check and home page."""

from flask.testing import FlaskClient


def test_healthz_reports_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_home_shows_registration_urls(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert b"/lti/register" in response.data


def test_unknown_page_renders_error_page_not_stack_trace(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert b'role="alert"' in response.data
    assert b"Traceback" not in response.data
