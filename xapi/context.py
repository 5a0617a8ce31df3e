"""The parts every statement shares: context (registration, activities, team, platform, LTI
ids), result (response, word count) and the timestamp check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from tincan import Activity, Context, ContextActivities, Extensions, Result, Score

from xapi import objects
from xapi import vocabulary as v
from xapi.actors import account_name, agent, cohort_group
from xapi.ids import registration_id
from xapi.inputs import Where, Who, XapiOptions
from xapi.interactions import Interaction


def aware_utc(at: datetime) -> datetime:
    """``at`` in UTC; a naive datetime is refused because strict LRSs reject offset-less
    timestamps and guessing the zone would silently shift learners' activity in time."""
    if not isinstance(at, datetime):
        raise TypeError(f"a statement time must be a datetime, not {type(at).__name__}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(
            "statement timestamps must be timezone-aware (got a naive datetime); "
            "use datetime.now(UTC) or attach a tzinfo"
        )
    return at.astimezone(UTC)


def platform_name(tool_platform: Mapping[str, str] | None) -> str | None:
    """The LMS as context.platform, from the LTI tool_platform claim (name, else product)."""
    if not tool_platform:
        return None
    return tool_platform.get("name") or tool_platform.get("product_family_code") or None


def word_count(text: str) -> int:
    return len(text.split())


def build_context(
    spec: Interaction,
    who: Who,
    where: Where,
    options: XapiOptions,
    *,
    parent: Activity | None = None,
    extensions: Mapping[str, object] | None = None,
) -> Context:
    values: dict[str, object] = {
        v.LTI_DEPLOYMENT_ID.iri: where.deployment_id,
        v.LTI_CONTEXT_ID.iri: where.course_id,
        v.PLACEMENT_KEY.iri: where.placement_id,
    }
    if where.resource_link_id:
        values[v.LTI_RESOURCE_LINK_ID.iri] = where.resource_link_id
    if where.cohort is not None and where.cohort.round is not None:
        values[v.COHORT_ROUND.iri] = where.cohort.round
    values.update(extensions or {})
    instructor = where.instructor or (who if spec.staff else None)
    return Context(
        registration=registration_id(
            who.issuer, account_name(who, options), objects.placement_key(who.issuer, where)
        ),
        context_activities=ContextActivities(
            grouping=[objects.course(who.issuer, where), objects.placement(who.issuer, where)],
            parent=[parent] if parent is not None else None,
            category=[objects.profile()],
        ),
        team=cohort_group(where.cohort, where) if where.cohort is not None else None,
        instructor=agent(instructor, options) if instructor is not None else None,
        platform=platform_name(where.tool_platform),
        language=objects.language_tag(where.language),
        extensions=Extensions(values),
    )


def build_result(
    options: XapiOptions,
    *,
    text: str | None = None,
    extensions: Mapping[str, object] | None = None,
    completion: bool | None = None,
    duration: timedelta | None = None,
    score: tuple[float, float] | None = None,
) -> Result | None:
    """The result, or None when there is nothing to say (an empty result is not sent).
    ``score`` is (given, maximum): sent as raw, max and scaled (given ÷ maximum)."""
    values = dict(extensions or {})
    if text is not None:
        values[v.WORD_COUNT.iri] = word_count(text)
    response = text if text and options.include_text else None
    nothing = completion is None and duration is None and score is None
    if not values and response is None and nothing:
        return None
    return Result(
        response=response,
        extensions=Extensions(values) if values else None,
        completion=completion,
        duration=duration,
        score=_score(*score) if score is not None else None,
    )


def _score(given: float, maximum: float) -> Score:
    if maximum <= 0 or not 0 <= given <= maximum:
        raise ValueError("a score is from 0 to its maximum, and the maximum is positive")
    return Score(raw=given, min=0, max=maximum, scaled=round(given / maximum, 4))


def declared(spec: Interaction, used: Sequence[str], allowed: Sequence[v.Extension]) -> None:
    """Refuse an extension the interaction's spec does not declare, so the published profile
    always describes what is sent (a programming error, caught by the unit tests)."""
    known = {ext.iri for ext in allowed}
    unknown = [iri for iri in used if iri not in known]
    if unknown:
        raise RuntimeError(f"{spec.name}: extensions not declared in its spec: {unknown}")
