"""One builder per interaction, each returning a ``tincan.Statement``.

Every builder takes who acted, where (the LTI placement), the stored row the interaction was
recorded as (its kind, id and time make the statement id and timestamp) and the installation's
options; the specs in xapi.interactions say which verb, object type and extensions each uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from tincan import Activity, LanguageMap, Statement
from tincan import Verb as TincanVerb

from xapi import interactions as i
from xapi import objects
from xapi import vocabulary as v
from xapi.actors import agent, agent_json
from xapi.context import aware_utc, build_context, build_result, declared
from xapi.ids import statement_id
from xapi.inputs import Post, Prompt, Row, Where, Who, XapiOptions
from xapi.serialize import TINCAN_FORMAT

DEFAULT_OPTIONS = XapiOptions()


def _statement(
    spec: i.Interaction,
    who: Who,
    where: Where,
    row: Row,
    options: XapiOptions,
    obj: Activity,
    *,
    parent: Activity | None = None,
    text: str | None = None,
    result_extensions: Mapping[str, object] | None = None,
    context_extensions: Mapping[str, object] | None = None,
    completion: bool | None = None,
    duration: timedelta | None = None,
    score: tuple[float, float] | None = None,
) -> Statement:
    """Assemble a statement the way every interaction does; builders only pick the parts."""
    if obj.definition.type not in {kind.iri for kind in spec.object_types}:
        raise ValueError(f"{spec.name}: an object of type {obj.definition.type} is not allowed")
    if spec.response and text is None:
        # The template requires the word count, which is sent even with text switched off.
        raise ValueError(f"{spec.name} needs the text written (e.g. Post.text) to count its words")
    declared(spec, list(result_extensions or {}), spec.result_extensions)
    declared(
        spec,
        list(context_extensions or {}),
        spec.context_extensions + i.COMMON_CONTEXT_EXTENSIONS,
    )
    return Statement(
        id=statement_id(row.kind, row.id, spec.verb.iri),
        actor=agent(who, options),
        verb=TincanVerb(id=spec.verb.iri, display=LanguageMap({"en": spec.verb.display})),
        object=obj,
        result=build_result(
            options,
            text=text if spec.response else None,
            extensions=result_extensions,
            completion=completion,
            duration=duration,
            score=score,
        ),
        context=build_context(
            spec, who, where, options, parent=parent, extensions=context_extensions
        ),
        timestamp=aware_utc(row.at),
        version=TINCAN_FORMAT,
    )


def _parent(where: Where, post: Post, options: XapiOptions) -> Activity | None:
    return objects.post(where, post.parent, options) if post.parent is not None else None


def _require_parent(post: Post, what: str) -> None:
    if post.parent is None:
        raise ValueError(f"{what} needs its parent post (Post.parent)")


def _about(post: Post, options: XapiOptions) -> dict[str, object]:
    """Context extensions naming the author of the post acted on, when known."""
    if post.author is None:
        return {}
    return {v.POST_AUTHOR.iri: agent_json(post.author, options)}


def _on_post(
    spec: i.Interaction,
    who: Who,
    where: Where,
    row: Row,
    post: Post,
    options: XapiOptions,
    *,
    text: str | None = None,
    result_extensions: Mapping[str, object] | None = None,
    context_extensions: Mapping[str, object] | None = None,
    about: Post | None = None,
) -> Statement:
    """An act on a post (write, edit, delete, react, flag, moderate…): object = the post,
    parent = its thread or the post it answers, plus the author of ``about`` (default: the
    post itself) when the spec wants it."""
    wants_author = v.POST_AUTHOR in spec.context_extensions
    context = _about(about or post, options) if wants_author else {}
    context.update(context_extensions or {})
    return _statement(
        spec,
        who,
        where,
        row,
        options,
        objects.post(where, post, options),
        parent=_parent(where, post, options),
        text=text,
        result_extensions=result_extensions,
        context_extensions=context,
    )


def _on_placement(
    spec: i.Interaction,
    who: Who,
    where: Where,
    row: Row,
    options: XapiOptions,
    *,
    completion: bool | None = None,
    duration: timedelta | None = None,
) -> Statement:
    obj = objects.placement(who.issuer, where)
    return _statement(spec, who, where, row, options, obj, completion=completion, duration=duration)


def _on_placement_or_post(
    spec: i.Interaction, who: Who, where: Where, row: Row, target: Post | None, options: XapiOptions
) -> Statement:
    """Acts on the whole activity (``target`` None) or on one thread or post in it."""
    if target is None:
        return _on_placement(spec, who, where, row, options)
    return _on_post(spec, who, where, row, target, options)


def _written(post: Post) -> dict[str, object]:
    return {v.ANONYMOUS_TO_PEERS.iri: post.anonymous_to_peers}


# --- session -----------------------------------------------------------------------------------


def launched(
    who: Who, where: Where, row: Row, *, options: XapiOptions = DEFAULT_OPTIONS
) -> Statement:
    return _on_placement(i.LAUNCHED, who, where, row, options)


def initialized(
    who: Who, where: Where, row: Row, *, options: XapiOptions = DEFAULT_OPTIONS
) -> Statement:
    return _on_placement(i.INITIALIZED, who, where, row, options)


def terminated(
    who: Who,
    where: Where,
    row: Row,
    *,
    duration: timedelta | None = None,
    options: XapiOptions = DEFAULT_OPTIONS,
) -> Statement:
    return _on_placement(i.TERMINATED, who, where, row, options, duration=duration)


def completed(
    who: Who, where: Where, row: Row, *, options: XapiOptions = DEFAULT_OPTIONS
) -> Statement:
    return _on_placement(i.COMPLETED, who, where, row, options, completion=True)


def viewed(
    who: Who,
    where: Where,
    row: Row,
    *,
    target: Post | None = None,
    options: XapiOptions = DEFAULT_OPTIONS,
) -> Statement:
    """Viewed the activity (``target`` None) or a thread or post in it."""
    return _on_placement_or_post(i.VIEWED, who, where, row, target, options)


# --- placement, staff ------------------------------------------------------------------------


def placement_shared(
    who: Who, where: Where, row: Row, *, options: XapiOptions = DEFAULT_OPTIONS
) -> Statement:
    """An instructor placed the activity in the course (LTI Deep Linking)."""
    return _on_placement(i.PLACEMENT_SHARED, who, where, row, options)


def released(
    who: Who, where: Where, row: Row, *, options: XapiOptions = DEFAULT_OPTIONS
) -> Statement:
    return _on_placement(i.RELEASED, who, where, row, options)


def locked(
    who: Who,
    where: Where,
    row: Row,
    *,
    thread: Post | None = None,
    options: XapiOptions = DEFAULT_OPTIONS,
) -> Statement:
    """Closed a thread, or the whole activity when ``thread`` is None."""
    return _on_placement_or_post(i.LOCKED, who, where, row, thread, options)


def unlocked(
    who: Who,
    where: Where,
    row: Row,
    *,
    thread: Post | None = None,
    options: XapiOptions = DEFAULT_OPTIONS,
) -> Statement:
    return _on_placement_or_post(i.UNLOCKED, who, where, row, thread, options)


# --- writing ---------------------------------------------------------------------------------


def reflection_answered(
    who: Who,
    where: Where,
    row: Row,
    *,
    prompt: Prompt,
    reflection: Post,
    options: XapiOptions = DEFAULT_OPTIONS,
) -> Statement:
    """A reflection on a prompt: object = the prompt (long-fill-in), response = the text."""
    context = {v.POST.iri: objects.post_iri(where, reflection), **_written(reflection)}
    return _statement(
        i.REFLECTION_ANSWERED,
        who,
        where,
        row,
        options,
        objects.prompt(where, prompt),
        text=reflection.text,
        context_extensions=context,
    )


def posted(
    who: Who, where: Where, row: Row, *, post: Post, options: XapiOptions = DEFAULT_OPTIONS
) -> Statement:
    return _on_post(
        i.POSTED, who, where, row, post, options, text=post.text, context_extensions=_written(post)
    )


def asked(
    who: Who, where: Where, row: Row, *, question: Post, options: XapiOptions = DEFAULT_OPTIONS
) -> Statement:
    return _on_post(
        i.ASKED,
        who,
        where,
        row,
        question,
        options,
        text=question.text,
        context_extensions=_written(question),
    )


def replied(
    who: Who, where: Where, row: Row, *, reply: Post, options: XapiOptions = DEFAULT_OPTIONS
) -> Statement:
    """A reply: object = the reply, parent = the post answered (required)."""
    _require_parent(reply, "a reply")
    return _on_post(
        i.REPLIED,
        who,
        where,
        row,
        reply,
        options,
        text=reply.text,
        context_extensions=_written(reply),
        about=reply.parent,
    )


def answered(
    who: Who,
    where: Where,
    row: Row,
    *,
    question: Post,
    answer: Post,
    options: XapiOptions = DEFAULT_OPTIONS,
) -> Statement:
    """A Q&A answer: object = the question (so time-to-answer is per question), response =
    the answer's text, the answer post's IRI in the post extension for later acceptance."""
    context = {v.POST.iri: objects.post_iri(where, answer), **_written(answer)}
    return _on_post(
        i.ANSWERED, who, where, row, question, options, text=answer.text,
        context_extensions=context,
    )  # fmt: skip


def edited(
    who: Who, where: Where, row: Row, *, post: Post, options: XapiOptions = DEFAULT_OPTIONS
) -> Statement:
    """An edit; ``row`` is the edit (revision) so each edit is its own statement."""
    return _on_post(i.EDITED, who, where, row, post, options, text=post.text)


def deleted(
    who: Who, where: Where, row: Row, *, post: Post, options: XapiOptions = DEFAULT_OPTIONS
) -> Statement:
    return _on_post(i.DELETED, who, where, row, post, options)


def mentioned(
    who: Who,
    where: Where,
    row: Row,
    *,
    post: Post,
    person: Who,
    options: XapiOptions = DEFAULT_OPTIONS,
) -> Statement:
    """``who`` mentioned ``person`` in ``post``; one statement per person mentioned."""
    context = {v.MENTIONED_PERSON.iri: agent_json(person, options)}
    return _on_post(i.MENTIONED, who, where, row, post, options, context_extensions=context)


# --- peers' responses ------------------------------------------------------------------------


def reacted(
    who: Who,
    where: Where,
    row: Row,
    *,
    post: Post,
    reaction: str,
    options: XapiOptions = DEFAULT_OPTIONS,
) -> Statement:
    result = {v.REACTION_KIND.iri: reaction}
    return _on_post(i.REACTED, who, where, row, post, options, result_extensions=result)


def unreacted(
    who: Who,
    where: Where,
    row: Row,
    *,
    post: Post,
    reaction: str,
    options: XapiOptions = DEFAULT_OPTIONS,
) -> Statement:
    """Took back ``reaction``; ``row`` is the reaction taken back."""
    result = {v.REACTION_KIND.iri: reaction}
    return _on_post(i.UNREACTED, who, where, row, post, options, result_extensions=result)


def rated_content(
    who: Who,
    where: Where,
    row: Row,
    *,
    rating: int,
    options: XapiOptions = DEFAULT_OPTIONS,
) -> Statement:
    """How useful the content the activity follows was (1–5); object = the placement. The
    learner's word why stays in the tool (a free-text field the profile does not carry yet)."""
    if not 1 <= rating <= 5:
        raise ValueError("a content rating is from 1 to 5")
    return _statement(
        i.RATED_CONTENT,
        who,
        where,
        row,
        options,
        objects.placement(who.issuer, where),
        result_extensions={v.RATING.iri: rating},
    )


def score_sent(
    who: Who,
    where: Where,
    row: Row,
    *,
    score_given: float,
    score_maximum: float,
    options: XapiOptions = DEFAULT_OPTIONS,
) -> Statement:
    """The LMS accepted ``who``'s participation score (object = the placement); ``row`` is
    the score as sent (its timestamp makes each accepted score its own statement)."""
    return _statement(
        i.SCORE_SENT,
        who,
        where,
        row,
        options,
        objects.placement(who.issuer, where),
        score=(score_given, score_maximum),
        completion=score_given >= score_maximum,
    )


def accepted_answer(
    who: Who, where: Where, row: Row, *, answer: Post, options: XapiOptions = DEFAULT_OPTIONS
) -> Statement:
    """The asker or staff accepted ``answer``; its parent must be the question."""
    _require_parent(answer, "an accepted answer")
    return _on_post(i.ACCEPTED_ANSWER, who, where, row, answer, options)


def endorsed(
    who: Who, where: Where, row: Row, *, post: Post, options: XapiOptions = DEFAULT_OPTIONS
) -> Statement:
    return _on_post(i.ENDORSED, who, where, row, post, options)


def flagged(
    who: Who,
    where: Where,
    row: Row,
    *,
    post: Post,
    reason: str | None = None,
    options: XapiOptions = DEFAULT_OPTIONS,
) -> Statement:
    result = {v.FLAG_REASON.iri: reason} if reason else None
    return _on_post(i.FLAGGED, who, where, row, post, options, result_extensions=result)


# --- moderation and recognition --------------------------------------------------------------


def hid(
    who: Who, where: Where, row: Row, *, post: Post, options: XapiOptions = DEFAULT_OPTIONS
) -> Statement:
    return _on_post(i.HID, who, where, row, post, options)


def pinned(
    who: Who, where: Where, row: Row, *, post: Post, options: XapiOptions = DEFAULT_OPTIONS
) -> Statement:
    return _on_post(i.PINNED, who, where, row, post, options)


def redirected(
    who: Who,
    where: Where,
    row: Row,
    *,
    post: Post,
    correction: str,
    options: XapiOptions = DEFAULT_OPTIONS,
) -> Statement:
    """A private correction to ``post``'s author instead of hiding it; response = the
    correction (the moderator's text, under the same text switch)."""
    return _on_post(i.REDIRECTED, who, where, row, post, options, text=correction)


def recognised(
    who: Who,
    where: Where,
    row: Row,
    *,
    post: Post,
    kind: str,
    options: XapiOptions = DEFAULT_OPTIONS,
) -> Statement:
    result = {v.RECOGNITION_KIND.iri: kind}
    return _on_post(i.RECOGNISED, who, where, row, post, options, result_extensions=result)


def replied_privately(
    who: Who, where: Where, row: Row, *, reply: Post, options: XapiOptions = DEFAULT_OPTIONS
) -> Statement:
    """Staff's reply only the author of ``reply.parent`` reads (required)."""
    _require_parent(reply, "a private reply")
    return _on_post(
        i.REPLIED_PRIVATELY, who, where, row, reply, options, text=reply.text, about=reply.parent
    )


def nudged(
    who: Who,
    where: Where,
    row: Row,
    *,
    learner: Who,
    options: XapiOptions = DEFAULT_OPTIONS,
) -> Statement:
    """Staff ``who`` left ``learner`` a note for their next launch (the note is not sent)."""
    return _statement(
        i.NUDGED,
        who,
        where,
        row,
        options,
        objects.placement(who.issuer, where),
        context_extensions={v.LEARNER.iri: agent_json(learner, options)},
    )


# --- cohorts ---------------------------------------------------------------------------------


def _on_cohort(
    spec: i.Interaction, who: Who, where: Where, row: Row, options: XapiOptions
) -> Statement:
    if where.cohort is None:
        raise ValueError(f"{spec.name} needs the cohort (Where.cohort)")
    return _statement(spec, who, where, row, options, objects.cohort(where, where.cohort))


def joined_cohort(
    who: Who, where: Where, row: Row, *, options: XapiOptions = DEFAULT_OPTIONS
) -> Statement:
    return _on_cohort(i.JOINED_COHORT, who, where, row, options)


def left_cohort(
    who: Who, where: Where, row: Row, *, options: XapiOptions = DEFAULT_OPTIONS
) -> Statement:
    return _on_cohort(i.LEFT_COHORT, who, where, row, options)
