"""Languages (Flask-Babel): the launch's ``launch_presentation.locale``, else the browser's
Accept-Language, else English. Dates are shown relative ("3 hours ago") or formatted for the
locale, never as ISO text.

Catalogs: one for the shell (``lti_tool/translations``: base, errors, launch, registration,
deep linking) and one per feature (``lti_tool/features/<feature>/translations``), so each
room keeps its own words; Flask-Babel merges every directory listed here. ``scripts/i18n``
extracts, updates and compiles them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, g, request
from flask_babel import Babel, format_datetime, format_timedelta, get_locale

LANGUAGES = ("en", "es")
DEFAULT = "en"
_PACKAGE = Path(__file__).resolve().parent


def catalog_directories() -> list[Path]:
    """The shell's catalog, then each feature's that has one."""
    features = sorted(p for p in (_PACKAGE / "features").glob("*/translations") if p.is_dir())
    return [_PACKAGE / "translations", *features]


def language(tag: str | None) -> str | None:
    """``es-ES``, ``es_MX`` or ``ES`` → ``es``; None for a language we do not speak."""
    if not tag:
        return None
    primary = tag.replace("_", "-").split("-", 1)[0].strip().lower()
    return primary if primary in LANGUAGES else None


def use_launch_locale(locale: str | None) -> None:
    """Called where a request's launch is known (the launch itself, ``@launch_required``)."""
    g.launch_language = language(locale)


def _select() -> str:
    chosen: str | None = g.get("launch_language")
    if chosen:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT


def ago(moment: datetime | None) -> str:
    """ "3 hours ago" / "hace 3 horas"; empty for no moment."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return str(format_timedelta(moment - datetime.now(UTC), add_direction=True, threshold=0.9))


def date_time(moment: datetime | None) -> str:
    """A date and time in the reader's language ("1 Dec 2026, 17:00"), times in UTC (the
    launch does not say the learner's time zone; pages that can, show it in the browser's)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return str(format_datetime(moment, "medium"))


def init_app(app: Flask) -> None:
    Babel(
        app,
        locale_selector=_select,
        default_translation_directories=";".join(str(p) for p in catalog_directories()),
    )
    app.jinja_env.filters["ago"] = ago
    app.jinja_env.filters["date_time"] = date_time

    @app.context_processor
    def _language() -> dict[str, str]:
        return {"lang": str(get_locale() or DEFAULT)}
