"""URL map of the reflection activity (``/a/<key>/…``), and its page for launches."""

from __future__ import annotations

from flask import Blueprint

from lti_tool.features.activity import kinds
from lti_tool.features.reflection import controllers, staff

bp = Blueprint("reflection", __name__, template_folder="templates", url_prefix="/a/<key>")

# A launch of a placement of this kind shows the reflection's page.
kinds.register("reflection", controllers.page)

# learner routes (controllers.py); ids are capped at the column's range, so a huge one is a 404
# rather than an overflow in the database driver.
bp.add_url_rule("", view_func=controllers.show, methods=["GET"])
bp.add_url_rule("/preview", view_func=controllers.preview, methods=["POST"])
bp.add_url_rule("/reflections", view_func=controllers.post, methods=["POST"])
bp.add_url_rule(
    "/reflections/<int(max=2147483647):reflection_id>", view_func=controllers.edit, methods=["POST"]
)
bp.add_url_rule(
    "/reflections/<int(max=2147483647):reflection_id>/delete",
    view_func=controllers.delete,
    methods=["POST"],
)
bp.add_url_rule(
    "/reflections/<int(max=2147483647):reflection_id>/reactions",
    view_func=controllers.react,
    methods=["POST"],
)
bp.add_url_rule(
    "/reflections/<int(max=2147483647):reflection_id>/replies",
    view_func=controllers.reply,
    methods=["POST"],
)
bp.add_url_rule("/rating", view_func=controllers.rate, methods=["POST"])

# staff routes (staff.py)
bp.add_app_template_filter(staff.markdown_html, "staff_markdown")
bp.add_url_rule("/staff", "staff_overview", view_func=staff.staff_overview, methods=["GET"])
bp.add_url_rule(
    "/staff/reflections/<int(max=2147483647):reflection_id>",
    "staff_reflection_history",
    view_func=staff.reflection_history,
    methods=["GET"],
)
bp.add_url_rule(
    "/staff/reflections/<int(max=2147483647):reflection_id>/feature",
    "staff_feature",
    view_func=staff.feature,
    methods=["POST"],
)
bp.add_url_rule(
    "/staff/reflections/<int(max=2147483647):reflection_id>/private-reply",
    "staff_private_reply",
    view_func=staff.private_reply,
    methods=["POST"],
)
bp.add_url_rule("/staff/release", "staff_release", view_func=staff.release, methods=["POST"])
bp.add_url_rule("/staff/nudge", "staff_nudge", view_func=staff.nudge, methods=["POST"])
bp.add_url_rule(
    "/staff/roster", "staff_refresh_roster", view_func=staff.refresh_roster, methods=["POST"]
)
bp.add_url_rule(
    "/staff/settings", "staff_settings", view_func=staff.save_settings, methods=["POST"]
)
