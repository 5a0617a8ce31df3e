"""POST /events: the placement page tells us it was shown (``initialized``) or left
(``terminated``), from static/activity-events.js. Identity is the launch token (form field
``lt`` — ``navigator.sendBeacon`` cannot set headers — or ``Authorization: Bearer``)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from lti_tool.errors import UserFacingError
from lti_tool.launch_context import LaunchContext, launch_required
from lti_tool.recording import PAGE_EVENTS, PageEvent, record_page_event
from lti_tool.views.launch_targets import find_placement
from lti_tool.web import db

bp = Blueprint("activity_events", __name__)

#: Longest value echoed back in an error message (the rest is someone's noise).
ECHO_LIMIT = 40


class BadEventError(UserFacingError):
    status = 400
    title = "This activity event was not understood"


@bp.post("/events")
@launch_required
def post_event(launch: LaunchContext, launch_token: str) -> Response:
    """Record the event for the launch's placement; 204, with nothing for the page to read."""
    event = request.form.get("event", "").strip()
    if event not in PAGE_EVENTS:
        shown = repr(event[:ECHO_LIMIT]) if event else "nothing"
        raise BadEventError(
            f"The activity event must be one of {', '.join(PAGE_EVENTS)}; got {shown}.",
            code="event_unknown",
        )
    placement = find_placement(launch)
    key = request.form.get("placement", "").strip()
    if key and key != placement.key:
        # The token is for one placement: it cannot report views of another.
        raise BadEventError(
            "This page's activity is not the one your LMS opened. Reload the course page.",
            code="event_placement_mismatch",
        )
    session = db()
    verb: PageEvent = "initialized" if event == "initialized" else "terminated"
    record_page_event(session, launch, placement, verb)
    session.commit()
    return Response(status=204)
