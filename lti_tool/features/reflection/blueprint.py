"""URL map of the reflection activity (``/a/<key>/…``), and its page for launches."""

from __future__ import annotations

from flask import Blueprint

from lti_tool.features.activity import kinds
from lti_tool.features.reflection import controllers

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
