"""What an error page says: code in messages rendered as code (item 19), and the tool's own
page with advice for URLs opened by hand (item 14)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lti_tool import create_app
from lti_tool.error_pages import inline_code
from tests.support.platform_signer import PlatformSigner
from tests.support.settings import make_settings


def test_backticks_become_code_and_nothing_else_is_html() -> None:
    rendered = inline_code("Run `peerloop platform add` <b>now</b> & `<i>`")
    assert str(rendered) == (
        "Run <code>peerloop platform add</code> &lt;b&gt;now&lt;/b&gt; &amp; <code>&lt;i&gt;</code>"
    )


def test_launch_error_shows_the_command_as_code(database_url: str, lms: PlatformSigner) -> None:
    """The unknown-deployment page names `peerloop platform add-deployment`: as <code>."""
    app = create_app(make_settings(database_url, deployment_policy="reject"))
    try:
        response = lms.launch(app.test_client(), lti_deployment_id="deployment-unknown")
        text = response.get_data(as_text=True)
        assert response.status_code == 403
        assert "<code>peerloop platform add-deployment</code>" in text
        assert "`" not in text.split("<main", 1)[1]
    finally:
        app.extensions["peerloop.engine"].dispose()


@pytest.mark.parametrize(
    "path", ["/lti/launch", "/lti/launch/verify", "/deep-linking/placements", "/events"]
)
def test_post_only_urls_opened_in_a_tab_get_the_tools_page(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    text = response.get_data(as_text=True)
    assert response.status_code == 405
    assert "This page cannot be opened like this" in text
    assert "Open the activity from your course" in text
    assert "Method Not Allowed" not in text
    assert "POST" in response.headers["Allow"]


def test_unknown_url_gets_the_tools_page_with_advice(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    text = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "This page does not exist" in text
    assert "Open the activity from your course" in text
    assert "Not Found" not in text
    assert 'href="/static/peerloop.css"' in text


def test_error_page_is_the_house_page(app: Flask) -> None:
    """Both are rendered by the shell (skip link, main landmark), not werkzeug's bare HTML."""
    text = app.test_client().get("/lti/launch").get_data(as_text=True)
    assert 'class="skip-link"' in text
    assert '<main id="main"' in text
