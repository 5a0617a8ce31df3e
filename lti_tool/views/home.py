"""The tool's landing page and health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import text

from lti_tool.db import current_settings, get_session

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    return render_template("home.html", settings=current_settings())


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    get_session().execute(text("SELECT 1"))
    return {"status": "ok"}
