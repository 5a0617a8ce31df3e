"""The language of the pages: the launch's ``launch_presentation.locale``, else the browser's
Accept-Language, else English; error pages, domain refusals and their values included."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import pytest
from babel.dates import format_datetime
from flask import Flask
from flask.testing import FlaskClient

from activities import rich_text
from tests.support.platform_signer import PlatformSigner

NOT_READY_ES = "Esta actividad todavía no está lista"
NOT_READY_EN = "This activity is not ready yet"


def _lang(html: str) -> str:
    found = re.search(r'<html lang="([^"]*)"', html)
    assert found, html[:200]
    return found.group(1)


def _launch(client: FlaskClient, lms: PlatformSigner, locale: str | None) -> str:
    """A learner's launch of a link nobody set up yet: the real "not ready" page."""
    claims = {} if locale is None else {"lti_launch_presentation": {"locale": locale}}
    response = lms.launch(client, **claims)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


@pytest.mark.parametrize("locale", ["es-MX", "es_ES", "ES"])
def test_spanish_launch_shows_the_page_in_spanish(
    client: FlaskClient, lms: PlatformSigner, locale: str
) -> None:
    html = _launch(client, lms, locale)
    assert _lang(html) == "es"
    assert NOT_READY_ES in html
    assert "Vuelve a ella más tarde desde Biology 101." in html
    assert "Saltar al contenido" in html
    assert NOT_READY_EN not in html


def test_a_language_we_do_not_speak_falls_back_to_english(
    client: FlaskClient, lms: PlatformSigner
) -> None:
    html = _launch(client, lms, "fr-CA")
    assert _lang(html) == "en"
    assert NOT_READY_EN in html
    assert "Come back to it later from Biology 101." in html


def test_without_a_launch_locale_the_browser_chooses(
    client: FlaskClient, lms: PlatformSigner
) -> None:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-419,es;q=0.9,en;q=0.5"
    html = _launch(client, lms, None)
    assert _lang(html) == "es"
    assert NOT_READY_ES in html


def test_without_a_launch_locale_or_a_browser_language_english(
    client: FlaskClient, lms: PlatformSigner
) -> None:
    html = _launch(client, lms, None)
    assert _lang(html) == "en"
    assert NOT_READY_EN in html


def test_the_launch_locale_wins_over_the_browser(client: FlaskClient, lms: PlatformSigner) -> None:
    """The LMS knows the course's language; the browser may be a lab's, set up in another."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    html = _launch(client, lms, "en-US")
    assert _lang(html) == "en"
    assert NOT_READY_EN in html


def test_refusal_after_a_spanish_launch_is_in_spanish(
    client: FlaskClient, lms: PlatformSigner
) -> None:
    """A domain refusal on a launched page speaks the launch's language, not the browser's."""
    launched = lms.launch(client, follow=False, lti_launch_presentation={"locale": "es-MX"})
    page = launched.headers["Location"].split("page=", 1)[1]
    response = client.post("/events", query_string={"page": page}, data={"event": "initialized"})
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert _lang(html) == "es"
    assert "No se pudo hacer esto" in html
    assert "Este enlace todavía no lleva a ninguna actividad de Peerloop." in html
    assert "Error 404" in html


def test_user_facing_error_is_translated_with_its_values(
    client: FlaskClient, lms: PlatformSigner
) -> None:
    launched = lms.launch(client, follow=False, lti_launch_presentation={"locale": "es"})
    page = launched.headers["Location"].split("page=", 1)[1]
    response = client.post("/events", query_string={"page": page}, data={"event": "jumped"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "No se entendió este evento de la actividad" in html
    assert "uno de estos: initialized, terminated; se recibió &#39;jumped&#39;." in html


def test_domain_error_page_in_spanish_shows_the_values(app: Flask) -> None:
    """The domain's own refusal (rich_text's limit, N_ with params) on the real error page:
    translated, its numbers written the Spanish way; in English, the English way."""

    def write_too_much() -> str:
        return rich_text.clean("x" * (rich_text.MAX_CHARS + 1), field="reflection")

    app.add_url_rule("/test-only/too-long", view_func=write_too_much)
    client = app.test_client()
    spanish = client.get("/test-only/too-long", headers={"Accept-Language": "es-AR"})
    english = client.get("/test-only/too-long", headers={"Accept-Language": "en"})
    assert spanish.status_code == english.status_code == 400
    assert (
        "La reflexión es demasiado larga: tiene 20.001 caracteres y el máximo es 20.000. "
        "Acórtala y vuelve a intentarlo."
    ) in spanish.get_data(as_text=True)
    english_text = "The reflection is too long: 20,001 characters, at most 20,000."
    assert english_text in english.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "method", "status", "title"),
    [
        ("/no/such/page", "get", 404, "Esta página no existe"),
        ("/lti/launch", "get", 405, "Esta página no se puede abrir así"),
    ],
)
def test_http_error_pages_in_the_readers_language(
    client: FlaskClient, path: str, method: str, status: int, title: str
) -> None:
    response = client.open(path, method=method.upper(), headers={"Accept-Language": "es"})
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert _lang(html) == "es"
    assert title in html
    assert "Abre la actividad desde tu curso en el LMS" in html


def test_expired_page_address_in_the_browsers_language(client: FlaskClient) -> None:
    """Before any launch is read, only the browser says the language."""
    response = client.get("/lti/launched?page=gone", headers={"Accept-Language": "es"})
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Tu sesión en esta página del curso terminó" in html
    assert "La dirección de esta página caducó o no la creó Peerloop." in html


def test_expired_launch_in_spanish_writes_its_time_the_spanish_way(
    client: FlaskClient, lms: PlatformSigner
) -> None:
    """The launch's refusal, before any launch is accepted: the browser's language, the
    expiry as a Spanish date and time rather than ISO text."""
    now = int(time.time())
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    response = lms.launch(client, exp=now - 60, iat=now - 120)
    html = response.get_data(as_text=True)
    when = format_datetime(datetime.fromtimestamp(now - 60, UTC), "medium", locale="es")
    assert response.status_code == 401
    assert "No se aceptó el mensaje de inicio del LMS" in html
    assert f"El mensaje de inicio caducó el {when}, " in html
    assert "(margen de reloj: 5 s)" in html
