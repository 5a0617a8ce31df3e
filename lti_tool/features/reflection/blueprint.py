"""URL map of the reflection activity's pages."""

from __future__ import annotations

from flask import Blueprint

from lti_tool.features.reflection import staff

bp = Blueprint("reflection", __name__, template_folder="templates")

# staff routes (staff.py)
bp.add_app_template_filter(staff.markdown_html, "staff_markdown")
bp.add_url_rule("/a/<key>/staff", "staff_overview", view_func=staff.staff_overview, methods=["GET"])
bp.add_url_rule(
    "/a/<key>/staff/reflections/<int:reflection_id>",
    "staff_reflection_history",
    view_func=staff.reflection_history,
    methods=["GET"],
)
bp.add_url_rule(
    "/a/<key>/staff/reflections/<int:reflection_id>/feature",
    "staff_feature",
    view_func=staff.feature,
    methods=["POST"],
)
bp.add_url_rule(
    "/a/<key>/staff/reflections/<int:reflection_id>/private-reply",
    "staff_private_reply",
    view_func=staff.private_reply,
    methods=["POST"],
)
bp.add_url_rule(
    "/a/<key>/staff/release", "staff_release", view_func=staff.release, methods=["POST"]
)
bp.add_url_rule("/a/<key>/staff/nudge", "staff_nudge", view_func=staff.nudge, methods=["POST"])
bp.add_url_rule(
    "/a/<key>/staff/roster",
    "staff_refresh_roster",
    view_func=staff.refresh_roster,
    methods=["POST"],
)
bp.add_url_rule(
    "/a/<key>/staff/settings", "staff_settings", view_func=staff.save_settings, methods=["POST"]
)
