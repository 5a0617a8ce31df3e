"""The learner's side of a reflection: the page a launch shows, and each thing a learner does
there (post, preview, edit, delete, react, reply, rate the content).

Every view finds its placement through ``tokens_placement`` (the one the launch token was
issued for), and every id a form names is looked up by the domain within that placement, so
another course's ids are simply not found. What a learner may see of peers is decided by
``queries`` (the reveal rule, anonymity); this module renders only what they return.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers.response import Response as BaseResponse

from activities import rich_text
from activities.db import utcnow
from activities.errors import N_
from activities.people import Participant
from activities.placements import Placement
from activities.reflection import operations, queries
from activities.reflection.models import REACTION_KINDS, Reflection
from activities.settings import read
from lti_tool.auth import launch_required
from lti_tool.db import current_settings, get_session
from lti_tool.errors import UserFacingError
from lti_tool.features.activity.controllers import page_id_for, tokens_placement
from lti_tool.features.reflection import staff
from lti_tool.features.reflection.forms import (
    RatingForm,
    ReactionForm,
    ReflectionForm,
    ReplyForm,
    read_cursor,
    write_cursor,
)
from lti_tool.lti.context import LaunchContext

#: Where a learner is sent back after each action, and the notice it shows.
DONE = {
    "posted": N_("Your reflection is posted."),
    "edited": N_("Your changes are saved; the earlier version is kept in the history."),
    "deleted": N_("Your reflection is deleted."),
    "replied": N_("Your reply is posted."),
    "rated": N_("Thank you: your rating is saved."),
}


def _person(launch: LaunchContext) -> Participant:
    person = launch.participant
    if person is None:
        raise UserFacingError(
            _("Your LMS did not say who you are, so this activity cannot take your work."),
            status=403,
            code="anonymous_launch",
        )
    return person


def initials(name: str) -> str:
    """Up to two letters for an avatar: the first of the first and last word."""
    words = [w for w in name.split() if w[:1].isalnum()]
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


@dataclass(frozen=True)
class PeerCard:
    """A peer's reflection as the page shows it: the card ``queries`` gave, with its
    rendered body, the viewer's own reactions and the replies."""

    card: queries.Card
    label: str
    html: str
    mine: frozenset[str]
    replies: tuple[tuple[queries.ReplyView, str, str], ...]


def _label(label: str) -> str:
    return _("A classmate") if label == queries.CLASSMATE else label


def _replies(
    person: Participant, placement: Placement, reflection: Reflection
) -> tuple[tuple[queries.ReplyView, str, str], ...]:
    """A reflection's replies with their shown label and rendered body (anonymity applied
    by ``queries.replies``; none when the viewer may not see the reflection)."""
    return tuple(
        (reply, _label(reply.author_label), rich_text.render(reply.body))
        for reply in queries.replies(get_session(), person, placement, reflection)
    )


def _peer_cards(
    person: Participant, placement: Placement, cards: tuple[queries.Card, ...]
) -> list[PeerCard]:
    session = get_session()
    given = queries.my_reactions(session, person, placement, [c.id for c in cards])
    shown = []
    for card in cards:
        replies: tuple[tuple[queries.ReplyView, str, str], ...] = ()
        reflection = session.get(Reflection, card.id) if card.reply_count else None
        if reflection is not None:
            replies = _replies(person, placement, reflection)
        shown.append(
            PeerCard(
                card=card,
                label=_label(card.author_label),
                html="" if card.removed else rich_text.render(card.body),
                mine=given.get(card.id, frozenset()),
                replies=replies,
            )
        )
    return shown


def page(launch: LaunchContext, launch_token: str, placement: Placement) -> str:
    """What a launch of a reflection shows: the staff's page, or the learner's."""
    if launch.is_staff:
        return staff.page(launch, launch_token, placement)
    return learner_page(launch, launch_token, placement)


def learner_page(
    launch: LaunchContext,
    launch_token: str,
    placement: Placement,
    **form_state: Any,
) -> str:
    """The learner's page. ``form_state`` re-shows a form with what was typed: ``draft``,
    ``preview`` (rendered HTML), ``errors``, ``editing`` (an id of theirs),
    ``confirm_delete``, ``reply_to`` and ``reply_draft``."""
    session = get_session()
    person = _person(launch)
    settings = read(placement)
    visit = launch.visit(current_settings())
    # A note from the instructor, once: only on a page that is not a form coming back.
    nudges = [] if form_state else operations.take_nudges(session, person, placement)
    mine = queries.own_reflections(session, person, placement)
    cursor = read_cursor(request.args.get("after"))
    peers = queries.peers_page(session, person, placement, after=cursor)
    if peers.access.visible:
        operations.peers_viewed(session, person, placement, visit)
    page_id = page_id_for(launch_token)
    own_ids = {r.id for r in mine}
    editing = form_state.get("editing")
    if editing is None and request.args.get("edit", "").isdigit():
        editing = int(request.args["edit"])
    context = {
        "launch": launch,
        "launch_token": launch_token,
        "page_id": page_id,
        "placement": placement,
        "settings": settings,
        "nudges": nudges,
        "mine": [(r, rich_text.render(r.body)) for r in mine],
        "notes": {
            r.id: [
                (note, rich_text.render(note.body))
                for note in queries.private_replies(session, person, placement, r)
            ]
            for r in mine
        },
        "own_replies": {r.id: _replies(person, placement, r) for r in mine},
        "now": utcnow(),
        "recognition": queries.my_recognition(session, person, placement) if mine else None,
        "access": peers.access,
        "peers": _peer_cards(person, placement, peers.cards),
        "next_cursor": write_cursor(peers.next_cursor) if peers.next_cursor else None,
        "after": cursor is not None,
        "rating": queries.my_rating(session, person, placement),
        "can_post": not mine or settings["several_per_learner"],
        "client_token": secrets.token_hex(16),
        "done": _(DONE[request.args["done"]]) if request.args.get("done") in DONE else None,
        "prompt_html": rich_text.render(placement.prompt),
        "reaction_kinds": REACTION_KINDS,
        "initials": initials,
        "draft": "",
        "preview": None,
        "errors": {},
        "confirm_delete": None,
        "reply_to": None,
        "reply_draft": "",
        "reply_errors": {},
        "rating_errors": {},
        **form_state,
        "editing": editing if editing in own_ids else None,
    }
    context["error_summary"] = _error_summary(context)
    html = render_template("reflection/learner/page.html", **context)
    # The nudges shown, the first reveal and a new page id are kept with the page.
    session.commit()
    return html


def _error_summary(context: dict[str, Any]) -> list[tuple[str, str]]:
    """(field id, message) for the alert at the top of a form that came back."""
    found: list[tuple[str, str]] = []
    if "body" in context["errors"]:
        field = "body" if context["editing"] is None else "edit-body"
        found.append((field, context["errors"]["body"]))
    if "body" in context["reply_errors"]:
        found.append((f"reply-{context['reply_to']}", context["reply_errors"]["body"]))
    for name, field in (("stars", "stars-1"), ("why", "why")):
        if name in context["rating_errors"]:
            found.append((field, context["rating_errors"][name]))
    return found


@launch_required
def show(key: str, launch: LaunchContext, launch_token: str) -> str:
    return page(launch, launch_token, tokens_placement(launch, key))


def _back(
    key: str, launch_token: str, done: str | None = None, anchor: str | None = None
) -> BaseResponse:
    page_id = page_id_for(launch_token)
    get_session().commit()
    return redirect(url_for(".show", key=key, page=page_id, done=done, _anchor=anchor), 303)


@launch_required
def preview(key: str, launch: LaunchContext, launch_token: str) -> str | tuple[str, int]:
    """The writer's own text as it will look: an HTML fragment for the page's script, or
    the whole page with the preview for a browser without it. Nothing of peers is in it."""
    placement = tokens_placement(launch, key)
    form = ReflectionForm.parse(request.form)
    editing = request.form.get("reflection", "")
    state: dict[str, Any] = {"draft": form.body}
    if editing.isdigit():
        state["editing"] = int(editing)
    html = rich_text.render(form.body) if not form.errors else ""
    if request.headers.get("X-Requested-With") == "fetch":
        return render_template("reflection/learner/preview.html", html=html, errors=form.errors)
    if form.errors:
        return learner_page(launch, launch_token, placement, errors=form.errors, **state), 400
    return learner_page(launch, launch_token, placement, preview=html, **state)


@launch_required
def post(key: str, launch: LaunchContext, launch_token: str) -> BaseResponse | tuple[str, int]:
    placement = tokens_placement(launch, key)
    person = _person(launch)
    form = ReflectionForm.parse(request.form)
    if form.errors:
        return learner_page(
            launch, launch_token, placement, draft=form.body, errors=form.errors
        ), 400
    session = get_session()
    try:
        operations.post(
            session,
            person,
            placement,
            launch.visit(current_settings()),
            form.body,
            anonymous=form.anonymous,
            client_token=form.client_token,
        )
        return _back(key, launch_token, "posted", "mine")
    except IntegrityError:
        # Two submits of one form at the same moment: the other one posted it.
        session.rollback()
        return _back(key, launch_token, "posted", "mine")


@launch_required
def edit(
    key: str, reflection_id: int, launch: LaunchContext, launch_token: str
) -> BaseResponse | tuple[str, int]:
    placement = tokens_placement(launch, key)
    person = _person(launch)
    form = ReflectionForm.parse(request.form)
    session = get_session()
    if form.errors:
        # Only the author's own reflection is re-shown; any other id is the domain's 404/403.
        if reflection_id not in {r.id for r in queries.own_reflections(session, person, placement)}:
            raise UserFacingError(
                _("This reflection is not part of this activity."),
                status=404,
                code="no_reflection",
            )
        return learner_page(
            launch,
            launch_token,
            placement,
            draft=form.body,
            errors=form.errors,
            editing=reflection_id,
        ), 400
    operations.edit(
        session, person, placement, launch.visit(current_settings()), reflection_id, form.body
    )
    return _back(key, launch_token, "edited", "mine")


@launch_required
def delete(
    key: str, reflection_id: int, launch: LaunchContext, launch_token: str
) -> BaseResponse | str:
    """The first submit asks to confirm (the page again, with the question); the second,
    carrying ``confirm=yes``, deletes."""
    placement = tokens_placement(launch, key)
    person = _person(launch)
    session = get_session()
    if request.form.get("confirm") != "yes":
        if reflection_id not in {r.id for r in queries.own_reflections(session, person, placement)}:
            raise UserFacingError(
                _("This reflection is not part of this activity."),
                status=404,
                code="no_reflection",
            )
        return learner_page(launch, launch_token, placement, confirm_delete=reflection_id)
    operations.delete(session, person, placement, launch.visit(current_settings()), reflection_id)
    return _back(key, launch_token, "deleted", "write")


@launch_required
def react(key: str, reflection_id: int, launch: LaunchContext, launch_token: str) -> Any:
    placement = tokens_placement(launch, key)
    person = _person(launch)
    form = ReactionForm.parse(request.form)
    session = get_session()
    visit = launch.visit(current_settings())
    if form.on:
        operations.react(session, person, placement, visit, reflection_id, form.kind)
    else:
        # Only what the viewer may see can be taken back (the same 404 as a missing id).
        reflection = session.get(Reflection, reflection_id)
        if reflection is None or not queries.can_see(session, person, placement, reflection):
            raise UserFacingError(
                _("This reflection is not part of this activity."),
                status=404,
                code="no_reflection",
            )
        operations.unreact(session, person, placement, visit, reflection_id, form.kind)
    return _back(key, launch_token, anchor=f"r-{reflection_id}")


@launch_required
def reply(
    key: str, reflection_id: int, launch: LaunchContext, launch_token: str
) -> BaseResponse | tuple[str, int]:
    placement = tokens_placement(launch, key)
    person = _person(launch)
    form = ReplyForm.parse(request.form)
    session = get_session()
    if form.errors:
        reflection = session.get(Reflection, reflection_id)
        if reflection is None or not queries.can_see(session, person, placement, reflection):
            raise UserFacingError(
                _("This reflection is not part of this activity."),
                status=404,
                code="no_reflection",
            )
        return learner_page(
            launch,
            launch_token,
            placement,
            reply_to=reflection_id,
            reply_draft=form.body,
            reply_errors=form.errors,
        ), 400
    operations.reply(
        session,
        person,
        placement,
        launch.visit(current_settings()),
        reflection_id,
        form.body,
        anonymous=form.anonymous,
    )
    return _back(key, launch_token, "replied", f"r-{reflection_id}")


@launch_required
def rate(key: str, launch: LaunchContext, launch_token: str) -> BaseResponse | tuple[str, int]:
    placement = tokens_placement(launch, key)
    person = _person(launch)
    form = RatingForm.parse(request.form)
    if form.errors or form.stars is None:
        return learner_page(launch, launch_token, placement, rating_errors=form.errors), 400
    operations.rate_content(
        get_session(),
        person,
        placement,
        launch.visit(current_settings()),
        form.stars,
        form.why or None,
    )
    return _back(key, launch_token, "rated", "rating")
