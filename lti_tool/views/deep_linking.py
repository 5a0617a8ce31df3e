"""Deep Linking: the picker's POST (create a placement, answer the platform) and the placement
page's own actions (view again, send a test score)."""

from __future__ import annotations

import uuid

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from lti_tool.errors import UserFacingError
from lti_tool.launch_context import LaunchContext, launch_required, staff_required
from lti_tool.lti import deep_linking
from lti_tool.lti.ags import sync_score
from lti_tool.models import Placement, Platform
from lti_tool.models._time import utcnow
from lti_tool.recording import record_placement_created
from lti_tool.views.launch_targets import (
    DEEP_LINKING_REQUEST,
    PLACEMENT_PARAM,
    find_placement,
    render_placement,
)
from lti_tool.web import db, settings

bp = Blueprint("deep_linking", __name__)

MAX_TITLE = 200
MAX_PROMPT = 4000
TEST_SCORE_MAXIMUM = 10.0


@bp.post("/deep-linking/placements")
@staff_required
def create_placement(launch: LaunchContext, launch_token: str) -> tuple[str, int] | str:
    """Create the placement and post the signed response back to the platform."""
    if launch.message_type != DEEP_LINKING_REQUEST:
        raise UserFacingError(
            "Activities can only be added from the LMS's “add external tool” (Deep Linking) page.",
            code="not_deep_linking",
        )
    title = " ".join(request.form.get("title", "").split())
    prompt = request.form.get("prompt", "").strip()
    errors = {}
    if not title:
        errors["title"] = "Give the activity a title."
    elif len(title) > MAX_TITLE:
        errors["title"] = f"Keep the title under {MAX_TITLE} characters."
    if not prompt:
        errors["prompt"] = "Write the question learners will answer."
    elif len(prompt) > MAX_PROMPT:
        errors["prompt"] = f"Keep the prompt under {MAX_PROMPT} characters."
    try:
        return_url = deep_linking.return_url(launch)
    except ValueError:
        raise UserFacingError(
            "The LMS did not say where to send the activity back (no deep_link_return_url).",
            code="deep_link_no_return_url",
        ) from None
    if errors:
        html = render_template(
            "deep_linking/picker.html",
            launch=launch,
            launch_token=launch_token,
            errors=errors,
            title=title,
            prompt=prompt,
        )
        return html, 400
    session = db()
    placement = Placement(
        key=_new_key(),
        platform_id=launch.platform_id,
        deployment_id=launch.deployment_id,
        context_id=launch.context_id,
        title=title,
        prompt=prompt,
        created_by_sub=launch.sub,
        created_at=utcnow(),
    )
    session.add(placement)
    session.flush()
    record_placement_created(session, launch, placement)
    item = deep_linking.resource_link_item(
        f"{settings().base_url}/lti/launch",
        title,
        text=prompt[:200],
        custom={PLACEMENT_PARAM: placement.key},
    )
    jwt = deep_linking.response_jwt(session, launch, [item])
    session.commit()
    return render_template(
        "deep_linking/return.html", return_url=return_url, jwt=jwt, placement=placement
    )


def _new_key() -> str:
    return uuid.uuid4().hex


@bp.get("/placements/<key>")
@launch_required
def show_placement(key: str, launch: LaunchContext, launch_token: str) -> str:
    placement = find_placement(launch, key)
    notice = {
        "sent": "Score sent to the LMS.",
        "failed": "The LMS did not take the score: see the grade sync table.",
    }.get(request.args.get("sync", ""))
    return render_placement(launch, launch_token, placement, notice)


@bp.post("/placements/<key>/test-score")
@staff_required
def send_test_score(key: str, launch: LaunchContext, launch_token: str) -> BaseResponse:
    """Send one score for one learner to the LMS gradebook and show how it went."""
    placement = find_placement(launch, key)
    if not launch.ags_endpoint:
        raise UserFacingError(
            "This LMS does not accept grades from Peerloop for this link (no AGS).",
            code="no_ags",
        )
    user_sub = request.form.get("user_id", "").strip()
    if not user_sub:
        raise UserFacingError("Choose the learner to send a score for.", code="score_no_user")
    try:
        score = float(request.form.get("score", ""))
    except ValueError:
        raise UserFacingError(
            f"The score must be a number from 0 to {TEST_SCORE_MAXIMUM:g}.", code="score_bad"
        ) from None
    if not 0 <= score <= TEST_SCORE_MAXIMUM:
        raise UserFacingError(
            f"The score must be a number from 0 to {TEST_SCORE_MAXIMUM:g}.", code="score_bad"
        )
    session = db()
    platform = session.get(Platform, launch.platform_id)
    if platform is None:
        raise UserFacingError("This LMS is no longer registered.", status=403, code="no_platform")
    row = sync_score(
        session,
        platform=platform,
        endpoint=launch.ags_endpoint,
        placement=placement,
        user_sub=user_sub,
        score_given=score,
        score_maximum=TEST_SCORE_MAXIMUM,
        timeout=settings().http_timeout_seconds,
    )
    session.commit()
    # Post/redirect/get; the launch token rides in the query of this in-frame link.
    return redirect(
        url_for(".show_placement", key=placement.key, lt=launch_token, sync=row.status), 303
    )
