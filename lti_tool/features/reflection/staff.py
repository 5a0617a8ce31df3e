"""The instructor's pages of a reflection: the overview (reflections, participation,
settings, history tabs), a reflection's history, and the actions on them.

Every view takes the placement from the launch token (``tokens_placement``), so a key or a
reflection id changed in a URL never reaches another course; each action calls one domain
operation (which records its xAPI statement), commits once and redirects (303).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext
from markupsafe import Markup
from werkzeug.wrappers.response import Response as BaseResponse

from activities import rich_text
from activities.errors import N_, Invalid, NotFound
from activities.people import Participant
from activities.placements import Placement
from activities.reflection import operations, queries
from activities.reflection import staff as staff_queries
from activities.settings import SettingChange, change_settings, change_wording, fields, read
from activities.settings import history as settings_history
from lti_tool.auth import staff_required
from lti_tool.db import current_settings, get_session
from lti_tool.errors import UserFacingError
from lti_tool.features.activity.controllers import grades_context, tokens_placement
from lti_tool.features.reflection.staff_forms import (
    CHECKBOXES,
    NUMBERS,
    PrivateReplyForm,
    SettingsForm,
    decode_cursor,
    editable,
    encode_cursor,
    translated,
)
from lti_tool.i18n import date_time
from lti_tool.lti.context import LaunchContext
from lti_tool.lti.launch_state import find_page, make_store, put_page
from lti_tool.roster import RosterStatus, sync_roster


def _(message: str, **values: Any) -> str:
    return str(gettext(message, **values))


TABS = ("reflections", "participation", "settings", "history")
TAB_LABELS = {
    "reflections": N_("Reflections"),
    "participation": N_("Participation"),
    "settings": N_("Settings"),
    "history": N_("History"),
}
REFLECTIONS_PAGE = 20
LEARNERS_PAGE = 50
#: Learners nudged by one press of "nudge all" (each is a statement; a request stays short).
NUDGE_BATCH = 500
#: Without a roster, this many of those who took part are listed (by name).
TOOK_PART_SHOWN = 200

LABELS = {
    "title": N_("Title"),
    "prompt": N_("Prompt"),
    "purpose": N_("Why it matters"),
    "due_at": N_("Due date"),
    "anonymity_allowed": N_("Learners may post anonymously to classmates"),
    "reveal_rule": N_("When learners see their peers' reflections"),
    "reveal_after_peers": N_("How many peers must post first"),
    "reveal_at": N_("Date peers' reflections appear"),
    "released": N_("Peers' reflections released"),
    "min_words": N_("Minimum words"),
    "edit_window_minutes": N_("Edit window (minutes)"),
    "several_per_learner": N_("Learners may post several reflections"),
    "grade_reflections": N_("Reflections for full marks"),
    "grade_replies": N_("Replies to peers for full marks"),
}
HINTS = {
    "purpose": N_("Shown to learners above the prompt."),
    "due_at": N_("Time in UTC. Leave empty for no due date."),
    "reveal_at": N_("Time in UTC; only for “On a date”."),
    "reveal_after_peers": N_("Only for “After they post and enough peers have posted”."),
    "min_words": N_("A shorter reflection can be posted but does not unlock peers."),
    "edit_window_minutes": N_(
        "Peers appear only after this many minutes of editing time. Empty: no window."
    ),
}
RULES = {
    "after_post": N_("After they post their own"),
    "after_peers": N_("After they post and enough peers have posted"),
    "after_date": N_("On a date"),
    "on_release": N_("When the instructor releases them"),
}
NOTICES = {
    "featured": N_("The reflection is featured as an exemplar."),
    "unfeatured": N_("The reflection is no longer featured."),
    "replied": N_("Your private note was sent to the author."),
    "released": N_("Peers' reflections are released: learners see them now."),
    "unreleased": N_("Peers' reflections are hidden again."),
    "nudged": N_("The learner will see your note on their next visit."),
    "nudged_all": N_("Every learner who has not started will see your note on their next visit."),
    "nudged_some": N_(
        "The first learners who have not started were nudged; %(left)s more remain: press "
        "“Nudge all” again to nudge them."
    ),
    "already_nudged": N_("This learner already has a note waiting; none was added."),
    "none_to_nudge": N_("Nobody is left to nudge."),
    "saved": N_("Settings saved. They apply now."),
    "unchanged": N_("Nothing was changed."),
    "roster_refreshed": N_("The course roster was refreshed."),
    "roster_failed": N_("The course roster could not be refreshed."),
}


# --- shared -------------------------------------------------------------------------------


def markdown_html(source: str) -> Markup:
    """A body's Markdown as HTML (the ``staff_markdown`` filter)."""
    # Safe: rich_text.render escapes raw HTML and nh3 keeps only its allowed tags.
    return Markup(rich_text.render(source))  # noqa: S704


def _context(key: str, launch: LaunchContext) -> tuple[Placement, Participant]:
    placement = tokens_placement(launch, key)
    if placement.kind != "reflection":
        raise NotFound(_("This activity is not a reflection."), code="not_reflection")
    person = launch.participant
    if person is None:
        raise UserFacingError(
            _("The LMS did not say who you are, so this page cannot be shown."),
            status=403,
            code="anonymous_staff",
        )
    return placement, person


def page_id_for(token: str) -> str:
    """The request's page id when it stands for ``token``, else a new one (committed on its
    own: a GET writes nothing else)."""
    settings = current_settings()
    store = make_store(settings, current_app.extensions["peerloop.engine"])
    page_id = request.values.get("page", "")
    if page_id and find_page(store, page_id) == token:
        return page_id
    return put_page(store, token, settings.launch_token_ttl_seconds)


def _back(placement: Placement, token: str, tab: str, done: str, **args: Any) -> BaseResponse:
    target = url_for(
        "reflection.staff_overview",
        key=placement.key,
        page=page_id_for(token),
        tab=tab,
        done=done,
        **args,
    )
    return redirect(target, 303)


def _notice() -> str | None:
    done = request.args.get("done", "")
    if done not in NOTICES:
        return None
    if done == "nudged_some":
        left = request.args.get("left", "")
        return _(NOTICES[done], left=int(left) if left.isdigit() and len(left) < 7 else 0)
    return _(NOTICES[done])


def _translated(messages: dict[str, str]) -> dict[str, str]:
    return {name: _(message) for name, message in messages.items()}


def rule_statement(values: dict[str, Any]) -> str:
    """The reveal rule in a sentence, as it stands now."""
    rule = values["reveal_rule"]
    if rule == "after_post":
        return _(
            "Learners see their peers' reflections after posting their own (at least %(n)s words).",
            n=values["min_words"],
        )
    if rule == "after_peers":
        return _(
            "Learners see their peers' reflections after posting their own, once %(n)s "
            "peers have posted.",
            n=values["reveal_after_peers"],
        )
    if rule == "after_date":
        return _(
            "Learners see their peers' reflections from %(date)s.",
            date=date_time(values["reveal_at"]),
        )
    if values["released"]:
        return _("Peers' reflections are released: learners see them now.")
    return _("Peers' reflections stay hidden until you release them.")


def _shown(name: str, value: Any) -> str:
    """A stored setting value in words."""
    if name in ("title", "prompt", "purpose"):
        text = str(value or "")
        if not text:
            return _("empty")
        return f"“{text[:80]}…”" if len(text) > 80 else f"“{text}”"
    if value is None:
        if name == "edit_window_minutes":
            return _("no window")
        return _("not set")
    if isinstance(value, bool):
        return _("on") if value else _("off")
    if name == "reveal_rule":
        return _(RULES[str(value)]) if str(value) in RULES else str(value)
    if fields("reflection").get(name) and fields("reflection")[name].moment:
        try:
            return date_time(datetime.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    return str(value)


def describe(change: SettingChange) -> dict[str, Any]:
    return {
        "label": _(LABELS[change.name]) if change.name in LABELS else change.name,
        "old": _shown(change.name, change.old_value),
        "new": _shown(change.name, change.new_value),
        "by": change.changed_by_name or _("An instructor"),
        "at": change.changed_at,
    }


# --- the overview ---------------------------------------------------------------------------


def page(launch: LaunchContext, launch_token: str, placement: Placement) -> str:
    """What a staff launch of a reflection shows (the learner pages' dispatcher calls it)."""
    person = launch.participant
    if person is None:
        raise UserFacingError(
            _("The LMS did not say who you are, so this page cannot be shown."),
            status=403,
            code="anonymous_staff",
        )
    return _overview(launch, launch_token, placement, person)


@staff_required
def staff_overview(key: str, launch: LaunchContext, launch_token: str) -> str:
    placement, person = _context(key, launch)
    return _overview(launch, launch_token, placement, person)


def _roster_status(launch: LaunchContext, placement: Placement) -> RosterStatus:
    status = sync_roster(launch, placement.context_id or launch.context_id)
    if status.fetched_now:
        # End the request's read transaction so it sees the members just stored (SQLite's
        # WAL readers keep the snapshot they started with); a page view has nothing pending.
        get_session().commit()
    return status


def _overview(
    launch: LaunchContext,
    token: str,
    placement: Placement,
    person: Participant,
    *,
    form: SettingsForm | None = None,
) -> str:
    session = get_session()
    tab = request.args.get("tab", "")
    if form is not None:
        tab = "settings"
    if tab not in TABS:
        tab = "reflections"
    roster = _roster_status(launch, placement)
    has_roster = roster.fetched_at is not None
    values = read(placement)
    context: dict[str, Any] = {
        "launch": launch,
        "launch_token": token,
        "page_id": page_id_for(token),
        "placement": placement,
        "tab": tab,
        "tabs": [(name, _(TAB_LABELS[name])) for name in TABS],
        "counts": staff_queries.counts(session, person, placement, roster=has_roster),
        "roster": roster,
        "values": values,
        "rule_statement": rule_statement(values),
        "notice": _notice(),
        "notice_error": request.args.get("done") == "roster_failed",
    }
    if tab == "reflections":
        context |= _reflections_tab(session, person, placement)
    elif tab == "participation":
        context |= _participation_tab(session, person, placement, has_roster)
        # The tab ends with the grades list (activity/_grades.html), which needs these.
        context["grades"] = grades_context(launch, placement)
    elif tab == "settings":
        form = form or SettingsForm.initial(placement)
        context |= {
            "form": form,
            "names": editable(placement),
            "labels": _translated(LABELS),
            "hints": _translated(HINTS),
            "rules": _translated(RULES),
            "checkboxes": CHECKBOXES,
            "numbers": NUMBERS,
            "moments": {n for n, s in fields(placement.kind).items() if s.moment},
        }
    else:
        context["changes"] = [describe(c) for c in settings_history(session, placement)]
    return render_template("reflection/staff/overview.html", **context)


def _reflections_tab(session: Any, person: Participant, placement: Placement) -> dict[str, Any]:
    after = decode_cursor(request.args.get("after"), 2)
    cursor = None
    if after is not None:
        try:
            cursor = queries.Cursor(datetime.fromisoformat(str(after[0])), int(after[1]))
        except (TypeError, ValueError):
            cursor = None
    if cursor is not None and not 0 < cursor.id < 2**31:
        cursor = None  # not an id we gave out (and past what the databases can compare)
    if cursor is not None and cursor.created_at.tzinfo is None:
        cursor = queries.Cursor(cursor.created_at.replace(tzinfo=UTC), cursor.id)
    found = queries.peers_page(session, person, placement, after=cursor, limit=REFLECTIONS_PAGE)
    ids = [card.id for card in found.cards]
    more = None
    if found.next_cursor is not None:
        more = encode_cursor([found.next_cursor.created_at.isoformat(), found.next_cursor.id])
    return {
        "cards": found.cards,
        "replies": staff_queries.replies_of(session, person, placement, ids),
        "more": more,
        "first_page": cursor is None,
    }


def _participation_tab(
    session: Any, person: Participant, placement: Placement, has_roster: bool
) -> dict[str, Any]:
    search = request.args.get("q", "").strip()[:100]
    only = request.args.get("show") == "not_started"
    after_values = decode_cursor(request.args.get("after"), 2)
    after = None
    if after_values is not None and all(isinstance(v, str) for v in after_values):
        after = (after_values[0], after_values[1])
    learners = staff_queries.learners(
        session,
        person,
        placement,
        search=search,
        not_started_only=only,
        after=after,
        limit=LEARNERS_PAGE,
    )
    took_part: list[tuple[str, queries.Participation]] = []
    if not has_roster:
        # No roster to join: list who did anything here (the domain's grouped counts).
        done = queries.participation(session, person, placement)
        took_part = sorted(
            (
                (p.name or "", p)
                for (platform, _sub), p in done.items()
                if platform == placement.platform_id
            ),
            key=lambda item: item[0].casefold(),
        )[:TOOK_PART_SHOWN]
    distribution = queries.rating_distribution(session, person, placement)
    rated = sum(distribution.values())
    return {
        "learners": learners.rows,
        "more": encode_cursor(list(learners.next_after)) if learners.next_after else None,
        "search": search,
        "only_not_started": only,
        "paged": after is not None,
        "has_roster": has_roster,
        "took_part": [p for _name, p in took_part],
        "distribution": [
            (stars, count, round(100 * count / rated) if rated else 0)
            for stars, count in sorted(distribution.items(), reverse=True)
        ],
        "rated": rated,
        "rating_words": staff_queries.rating_words(session, person, placement),
    }


# --- a reflection's history -------------------------------------------------------------------


@staff_required
def reflection_history(
    key: str, reflection_id: int, launch: LaunchContext, launch_token: str
) -> str:
    placement, person = _context(key, launch)
    session = get_session()
    reflection = staff_queries.find_reflection(session, placement, reflection_id)
    return render_template(
        "reflection/staff/history.html",
        launch=launch,
        launch_token=launch_token,
        page_id=page_id_for(launch_token),
        placement=placement,
        reflection=reflection,
        revisions=queries.history(session, person, placement, reflection),
        revealed=staff_queries.revealed_revision(session, person, placement, reflection),
        replies=staff_queries.replies_of(session, person, placement, [reflection.id])[
            reflection.id
        ],
        notes=queries.private_replies(session, person, placement, reflection),
        notice=_notice(),
    )


# --- actions ------------------------------------------------------------------------------------


@staff_required
def feature(key: str, reflection_id: int, launch: LaunchContext, launch_token: str) -> BaseResponse:
    placement, person = _context(key, launch)
    session = get_session()
    visit = launch.visit(current_settings())
    if request.form.get("action") == "unfeature":
        operations.unfeature(session, person, placement, visit, reflection_id)
        done = "unfeatured"
    else:
        operations.feature(session, person, placement, visit, reflection_id)
        done = "featured"
    session.commit()
    return _after_reflection_action(placement, launch_token, reflection_id, done)


@staff_required
def private_reply(
    key: str, reflection_id: int, launch: LaunchContext, launch_token: str
) -> BaseResponse:
    placement, person = _context(key, launch)
    session = get_session()
    form = PrivateReplyForm.parse(request.form)
    operations.private_reply(
        session, person, placement, launch.visit(current_settings()), reflection_id, form.body
    )
    session.commit()
    return _after_reflection_action(placement, launch_token, reflection_id, "replied")


def _after_reflection_action(
    placement: Placement, token: str, reflection_id: int, done: str
) -> BaseResponse:
    if request.form.get("back") == "history":
        return redirect(
            url_for(
                "reflection.staff_reflection_history",
                key=placement.key,
                reflection_id=reflection_id,
                page=page_id_for(token),
                done=done,
            ),
            303,
        )
    return _back(placement, token, "reflections", done, _anchor=f"r-{reflection_id}")


@staff_required
def release(key: str, launch: LaunchContext, launch_token: str) -> BaseResponse:
    placement, person = _context(key, launch)
    if read(placement)["reveal_rule"] != "on_release":
        raise Invalid(
            _("Releasing is only for the rule “When the instructor releases them”."),
            code="not_on_release",
        )
    session = get_session()
    visit = launch.visit(current_settings())
    if request.form.get("action") == "unrelease":
        operations.unrelease(session, person, placement, visit)
        done = "unreleased"
    else:
        operations.release(session, person, placement, visit)
        done = "released"
    session.commit()
    return _back(placement, launch_token, "reflections", done)


def _has_waiting_note(session: Any, placement: Placement, sub: str) -> bool:
    return sub in staff_queries.waiting_nudges(session, placement, [sub])


@staff_required
def nudge(key: str, launch: LaunchContext, launch_token: str) -> BaseResponse:
    """One learner of the roster, or every learner who has not started (each once: one with
    a note still waiting gets no second)."""
    placement, person = _context(key, launch)
    session = get_session()
    visit = launch.visit(current_settings())
    message = request.form.get("message", "").strip() or None
    if request.form.get("all") == "1":
        subs = staff_queries.not_started_subs(session, person, placement)
        waiting = staff_queries.waiting_nudges(session, placement, subs)
        subs = [sub for sub in subs if sub not in waiting]
        # A batch a request: each nudge is its own statement, and a request must end well
        # within a worker's timeout; the next press nudges the rest (who now have a note
        # waiting are skipped).
        left = max(0, len(subs) - NUDGE_BATCH)
        for sub in subs[:NUDGE_BATCH]:
            operations.nudge(session, person, placement, visit, sub, message)
        done = "nudged_some" if left else "nudged_all" if subs else "none_to_nudge"
        if left:
            session.commit()
            return _back(placement, launch_token, "participation", done, left=left)
    else:
        sub = request.form.get("learner", "")
        if not sub or not staff_queries.is_roster_learner(session, placement, sub):
            raise NotFound(_("This learner is not in the course's roster."), code="no_learner")
        if _has_waiting_note(session, placement, sub):
            done = "already_nudged"
        else:
            operations.nudge(session, person, placement, visit, sub, message)
            done = "nudged"
    session.commit()
    args = {k: v for k in ("q", "show") if (v := request.form.get(k, ""))}
    return _back(placement, launch_token, "participation", done, **args)


@staff_required
def refresh_roster(key: str, launch: LaunchContext, launch_token: str) -> BaseResponse:
    placement, _person = _context(key, launch)
    status = sync_roster(launch, placement.context_id or launch.context_id, force=True)
    done = "roster_failed" if status.error or not status.available else "roster_refreshed"
    return _back(placement, launch_token, "participation", done)


@staff_required
def save_settings(
    key: str, launch: LaunchContext, launch_token: str
) -> BaseResponse | tuple[str, int]:
    placement, person = _context(key, launch)
    session = get_session()
    form = SettingsForm.parse(request.form, placement)
    changed: list[SettingChange] = []
    # No savepoints (pysqlite's SAVEPOINT outside a transaction commits on release): each
    # operation checks everything before it changes anything, and any error rolls back all.
    if not form.errors:
        try:
            changed += change_settings(session, person, placement, **form.changes)
        except Invalid as error:
            target = "reveal_at" if error.code == "date_missing" else "reveal_rule"
            form.errors[target] = translated(error)
    for name in ("title", "prompt"):
        try:
            changed += change_wording(session, person, placement, **{name: getattr(form, name)})
        except Invalid as error:
            form.errors[name] = translated(error)
    if form.errors:
        session.rollback()
        return _overview(launch, launch_token, placement, person, form=form), 400
    session.commit()
    return _back(placement, launch_token, "settings", "saved" if changed else "unchanged")
