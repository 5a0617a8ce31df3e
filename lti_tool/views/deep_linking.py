"""Deep Linking: the picker a deep-linking launch opens (staff only), and its POST, which
places the activity and posts the signed response back to the platform."""

from __future__ import annotations

import time
from datetime import datetime

from flask import Blueprint, Response, get_template_attribute, jsonify, render_template, request
from flask_babel import gettext as _
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
from lti_tool.views import picker_page
from lti_tool.views.picker_form import MAX_PROMPT, ItemForm, PickerForm

bp = Blueprint("deep_linking", __name__)


def _submit_key(launch: LaunchContext) -> str:
    return f"deep-linking-submit:{launch.launch_id}"


def _resubmitted() -> UserFacingError:
    return UserFacingError(
        _(
            "This activity was already added to the course from this page, so it was not "
            "added a second time. To add another activity, start again from your LMS's "
            "“add external tool” (Deep Linking) page."
        ),
        status=409,
        title=_("This activity was already added"),
        code="deep_linking_resubmitted",
    )


def _refuse_if_submitted(session: Session, launch: LaunchContext) -> None:
    """Said before anything else of a save (its mistakes, the coach's warnings): this page's
    activities are in the course already."""
    if launch.launch_id and make_store(current_settings(), session).get(_submit_key(launch)):
        raise _resubmitted()


def _claim_submit(session: Session, launch: LaunchContext) -> None:
    """One response per deep-linking launch: the picker submitted again (Back, then submit;
    a double click; two tabs) is refused. Claimed in the shared launch store, so every worker
    sees it: in the database it commits with the placements (a failed submit leaves no
    claim), in Redis it is immediate."""
    if not launch.launch_id:  # every token a launch issues has one
        return
    settings = current_settings()
    claimed = make_store(settings, session).claim(
        _submit_key(launch), {"at": time.time()}, settings.launch_token_ttl_seconds
    )
    if not claimed:
        raise _resubmitted()


def check_staff(launch: LaunchContext) -> None:
    """Only staff may place activities (checked at the launch and on its page)."""
    if not launch.is_staff:
        raise UserFacingError(
            _("Only instructors of this course can add activities."), status=403, code="not_staff"
        )


def picker(launch: LaunchContext, token: str) -> str:
    """The page a deep-linking launch lands on."""
    check_staff(launch)
    return picker_page.render(launch, token)


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
    """Create the placement(s) and post the signed response back to the platform. A button
    that only changes the form (add a block, use a template, preview) shows it again; a
    save with mistakes shows them (400); a save whose prompts the coach warns about shows
    the warnings with "Save anyway" (never a refusal)."""
    if launch.message_type != DEEP_LINKING_REQUEST:
        raise UserFacingError(
            _(
                "Activities can only be added from the LMS's “add external tool” (Deep "
                "Linking) page."
            ),
            code="not_deep_linking",
        )
    form = PickerForm.parse(
        request.form, multiple=picker_page.takes_several(launch), language=picker_page.language()
    )
    try:
        return_url = deep_linking.return_url(launch)
    except ValueError:
        raise UserFacingError(
            _("The LMS did not say where to send the activity back (no deep_link_return_url)."),
            code="deep_link_no_return_url",
        ) from None
    if form.action != "save":
        return picker_page.render(launch, launch_token, form)
    session = get_session()
    _refuse_if_submitted(session, launch)
    if form.errors:
        return picker_page.render(launch, launch_token, form), 400
    if form.warned and not form.save_anyway:
        return picker_page.render(launch, launch_token, form, confirm=True)
    person = launch.participant
    if person is None:
        raise UserFacingError(
            _("The LMS did not say who you are, so the activity cannot be placed."),
            status=403,
            code="anonymous_staff",
        )
    _claim_submit(session, launch)
    visit = launch.visit(current_settings())
    placed = [
        placements.create(
            session,
            person,
            visit,
            deployment_id=launch.deployment_id,
            title=item.title,
            prompt=item.prompt,
            kind=item.activity_kind,
            settings=item.settings,
            score_maximum=item.score_maximum if item.grading else None,
        )
        for item in form.items
    ]
    items = [
        deep_linking.resource_link_item(
            placement_url(current_settings().base_url, placement.key),
            placement.title,
            text=placement.prompt[:200],
            custom={PLACEMENT_PARAM: placement.key},
            # With grading on, the LMS creates the link's gradebook column itself (Moodle
            # ticks "accept grades" for it); off, there is none and Peerloop never creates one.
            line_item=deep_linking.line_item(placement) if placement.grading else None,
        )
        for placement in placed
    ]
    jwt = deep_linking.response_jwt(session, launch, items)
    session.commit()
    return render_template(
        "deep_linking/return.html", return_url=return_url, jwt=jwt, placements=placed
    )


@bp.post("/deep-linking/coach")
@staff_required
def coach(launch: LaunchContext, launch_token: str) -> Response:
    """What the prompt coach says of a prompt while the instructor types it (the picker's
    script calls this; the save runs the same rules): the findings, the warning as the page
    shows it, and the prompt's preview. Authorised by the launch token like every form."""
    prompt = request.form.get("prompt", "")[: MAX_PROMPT * 2]
    number_text = request.form.get("number", "1")
    item = ItemForm(number=int(number_text) if number_text.isdigit() else 1, prompt=prompt)
    review = item.coach
    findings = review.findings if review is not None else ()
    warning = get_template_attribute("deep_linking/_coach.html", "coach_findings")
    return jsonify(
        {
            "language": review.language if review is not None else None,
            "findings": [
                {"code": f.code, "message": _(f.message), "rewrites": list(f.rewrites)}
                for f in findings
            ],
            "html": str(warning(item, review)) if review is not None else "",
            "preview": str(picker_page.render_markdown(prompt)),
        }
    )
