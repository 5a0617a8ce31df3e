"""URL map of the activity page."""

from __future__ import annotations

from flask import Blueprint

from lti_tool.features.activity import controllers

bp = Blueprint("activity", __name__, template_folder="templates")
bp.add_url_rule("/placements/<key>", view_func=controllers.show, methods=["GET"])
bp.add_url_rule("/activity/setup", view_func=controllers.set_up, methods=["POST"])
bp.add_url_rule(
    "/placements/<key>/grades/resend", view_func=controllers.resend_grades, methods=["POST"]
)
