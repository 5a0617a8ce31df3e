"""Deep Linking: the picker a deep-linking launch opens (staff only), and its POST, which
places the activity and posts the signed response back to the platform."""

from __future__ import annotations

import time
from datetime import datetime

from flask import Blueprint, render_template, request
from sqlalchemy.orm import Session

from activities import placements
from activities.db import utcnow
from lti_tool.auth import staff_required
from lti_tool.db import current_settings, get_session
from lti_tool.errors import UserFacingError
from lti_tool.lti import deep_linking
from lti_tool.lti.claims import DEEP_LINKING_REQUEST, PLACEMENT_PARAM
from lti_tool.lti.context import LaunchContext
from lti_tool.lti.launch_state import make_store
from lti_tool.lti.placement_links import placement_url
from lti_tool.views.picker_form import PickerForm

bp = Blueprint("deep_linking", __name__)


def _claim_submit(session: Session, launch: LaunchContext) -> None:
    """One placement per deep-linking launch: the picker submitted again (Back, then submit;
    a double click; two tabs) is refused. Claimed in the shared launch store, so every worker
    sees it: in the database it commits with the placement (a failed submit leaves no claim),
    in Redis it is immediate."""
    if not launch.launch_id:  # every token a launch issues has one
        return
    settings = current_settings()
    claimed = make_store(settings, session).claim(
        f"deep-linking-submit:{launch.launch_id}",
        {"at": time.time()},
        settings.launch_token_ttl_seconds,
    )
    if not claimed:
        raise UserFacingError(
            "This activity was already added to the course from this page, so it was not "
            "added a second time. To add another activity, start again from your LMS's "
            "“add external tool” (Deep Linking) page.",
            status=409,
            title="This activity was already added",
            code="deep_linking_resubmitted",
        )


def check_staff(launch: LaunchContext) -> None:
    """Only staff may place activities (checked at the launch and on its page)."""
    if not launch.is_staff:
        raise UserFacingError(
            "Only instructors of this course can add activities.", status=403, code="not_staff"
        )


def picker(launch: LaunchContext, token: str) -> str:
    """The page a deep-linking launch lands on."""
    check_staff(launch)
    return render_template(
        "deep_linking/picker.html", launch=launch, launch_token=token, pending=_pending(launch)
    )


def _pending(launch: LaunchContext) -> list[tuple[str, str]]:
    """This course's placements nobody has opened yet (title, how long ago it was added):
    the instructor sees what a cancelled LMS form left behind."""
    rows = placements.pending(get_session(), launch.platform_id, launch.context_id)
    return [(row.title, age_in_words(row.created_at)) for row in rows]


def age_in_words(when: datetime, now: datetime | None = None) -> str:
    seconds = int(((now or utcnow()) - when).total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"


@bp.post("/deep-linking/placements")
@staff_required
def create_placement(launch: LaunchContext, launch_token: str) -> tuple[str, int] | str:
    """Create the placement and post the signed response back to the platform."""
    if launch.message_type != DEEP_LINKING_REQUEST:
        raise UserFacingError(
            "Activities can only be added from the LMS's “add external tool” (Deep Linking) page.",
            code="not_deep_linking",
        )
    form = PickerForm.parse(request.form)
    try:
        return_url = deep_linking.return_url(launch)
    except ValueError:
        raise UserFacingError(
            "The LMS did not say where to send the activity back (no deep_link_return_url).",
            code="deep_link_no_return_url",
        ) from None
    if form.errors:
        html = render_template(
            "deep_linking/picker.html",
            launch=launch,
            launch_token=launch_token,
            errors=form.errors,
            title=form.title,
            prompt=form.prompt,
            grading=form.grading,
            score_maximum=form.score_maximum_text,
            pending=_pending(launch),
        )
        return html, 400
    session = get_session()
    person = launch.participant
    if person is None:
        raise UserFacingError(
            "The LMS did not say who you are, so the activity cannot be placed.",
            status=403,
            code="anonymous_staff",
        )
    _claim_submit(session, launch)
    placement = placements.create(
        session,
        person,
        launch.visit(current_settings()),
        deployment_id=launch.deployment_id,
        title=form.title,
        prompt=form.prompt,
        score_maximum=form.score_maximum if form.grading else None,
    )
    item = deep_linking.resource_link_item(
        placement_url(current_settings().base_url, placement.key),
        form.title,
        text=form.prompt[:200],
        custom={PLACEMENT_PARAM: placement.key},
        # With grading on, the LMS creates the link's gradebook column itself (Moodle ticks
        # "accept grades" for it); off, there is none and Peerloop never creates one.
        line_item=deep_linking.line_item(placement) if placement.grading else None,
    )
    jwt = deep_linking.response_jwt(session, launch, [item])
    session.commit()
    return render_template(
        "deep_linking/return.html", return_url=return_url, jwt=jwt, placement=placement
    )
