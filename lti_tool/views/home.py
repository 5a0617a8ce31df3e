"""The tool's landing page and health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import text

from lti_tool.web import db, settings

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    return render_template("home.html", settings=settings())


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    db().execute(text("SELECT 1"))
    return {"status": "ok"}
