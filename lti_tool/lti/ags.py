"""LTI Assignment and Grade Services 2.0 client: line items, scores and results.

Line-item URLs may carry a query string (Moodle: ``…/lineitems/7/lineitem?type_id=2``): the
``/scores`` and ``/results`` sub-paths go on the path, never after the query.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from activities.db import utcnow
from lti_tool.logs import log_event
from lti_tool.lti.claims import (
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READONLY,
    SCOPE_RESULT_READONLY,
    SCOPE_SCORE,
)
from lti_tool.lti.service_client import (
    NotJsonError,
    PlatformServiceError,
    ServiceClient,
    answered,
)

LINEITEM_MEDIA = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_MEDIA = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_MEDIA = "application/vnd.ims.lis.v1.score+json"
RESULTS_MEDIA = "application/vnd.ims.lis.v2.resultcontainer+json"

#: What a score endpoint's status means when the platform's answer gives no reason.
SCORE_REFUSALS = {
    409: "The LMS refused this score: an equal or newer score exists for this person",
    404: "This person cannot be graded in this course",
    403: "This person cannot be graded in this course",
}

#: Answers to a line item bound to a link the platform will not bind one to: Canvas answers
#: 412 (a link that is not an assignment has no line item) or 404 (no such link for it).
LINK_REFUSALS = frozenset({404, 412})

#: Paging guard: a platform whose ``next`` links loop must not keep us here forever.
MAX_PAGES = 100


@dataclass(frozen=True)
class LineItem:
    id: str
    label: str
    score_maximum: float
    resource_id: str | None = None
    resource_link_id: str | None = None
    tag: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> LineItem:
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise PlatformServiceError("The platform sent a line item without an id.")
        return cls(
            id=data["id"],
            label=str(data.get("label", "")),
            score_maximum=float(data.get("scoreMaximum", 0)),
            resource_id=data.get("resourceId"),
            resource_link_id=data.get("resourceLinkId"),
            tag=data.get("tag"),
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"label": self.label, "scoreMaximum": self.score_maximum}
        if self.resource_id:
            data["resourceId"] = self.resource_id
        if self.resource_link_id:
            data["resourceLinkId"] = self.resource_link_id
        if self.tag:
            data["tag"] = self.tag
        return data


def sub_url(url: str, suffix: str) -> str:
    """``url`` with ``suffix`` appended to its path, its query string kept after it."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix))


def with_params(url: str, params: dict[str, str]) -> str:
    """``url`` with ``params`` added to whatever query it already has."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def next_timestamp(previous: datetime | None, now: datetime | None = None) -> datetime:
    """A score timestamp strictly later than ``previous`` in whole seconds: platforms refuse
    (409) a score whose timestamp is not after the last one they processed for that user,
    and Moodle compares whole seconds, so two scores within one second (a double click)
    get one second apart."""
    now = (now or utcnow()).replace(microsecond=0)
    if previous is not None and now <= previous.replace(microsecond=0):
        return previous.replace(microsecond=0) + timedelta(seconds=1)
    return now


def format_timestamp(value: datetime) -> str:
    """ISO 8601 with milliseconds and an explicit offset, as the AGS examples show."""
    return value.isoformat(timespec="milliseconds")


class AgsClient:
    """AGS for one launch's endpoint claim (``scope``, ``lineitems``, ``lineitem``)."""

    def __init__(self, client: ServiceClient, endpoint: dict[str, Any]) -> None:
        self.client = client
        self.endpoint = endpoint
        self.scopes = tuple(endpoint.get("scope") or ())
        #: The status of a refused link-bound line item, when one was made without the link.
        self.link_refused: int | None = None

    @property
    def lineitems_url(self) -> str | None:
        value = self.endpoint.get("lineitems")
        return value if isinstance(value, str) else None

    @property
    def lineitem_url(self) -> str | None:
        value = self.endpoint.get("lineitem")
        return value if isinstance(value, str) else None

    def _require(self, scope: str) -> None:
        if scope not in self.scopes and not (
            scope == SCOPE_LINEITEM_READONLY and SCOPE_LINEITEM in self.scopes
        ):
            raise PlatformServiceError(f"The platform did not grant the scope {scope}.")

    def _container(self) -> str:
        if not self.lineitems_url:
            raise PlatformServiceError("The platform offers no line-items URL for this course.")
        return self.lineitems_url

    # -- line items --------------------------------------------------------------------------

    def find_line_items(
        self,
        *,
        resource_link_id: str | None = None,
        resource_id: str | None = None,
        tag: str | None = None,
    ) -> list[LineItem]:
        """Every line item matching the filters, following ``Link: rel="next"`` pages."""
        self._require(SCOPE_LINEITEM_READONLY)
        filters = {
            key: value
            for key, value in (
                ("resource_link_id", resource_link_id),
                ("resource_id", resource_id),
                ("tag", tag),
            )
            if value
        }
        if not filters:
            return self._line_items(self._container())
        try:
            return self._line_items(with_params(self._container(), filters))
        except NotJsonError as filtered:
            # Some platforms break on a filter (Chamilo: an HTML error page with status 200).
            # Filters are optional for them anyway: read the whole list and filter it here.
            log_event(
                "ags_filtered_lookup_failed",
                logging.WARNING,
                asked=filtered.asked,
                answered=filtered.answered,
            )
            try:
                everything = self._line_items(self._container())
            except NotJsonError as unfiltered:
                raise PlatformServiceError(
                    "Peerloop looked for its line item in the LMS's gradebook and the LMS's "
                    f"answers were not JSON: {filtered.asked} answered {filtered.answered}; "
                    f"the whole list, {unfiltered.asked}, answered {unfiltered.answered}.",
                    status=unfiltered.status,
                    url=unfiltered.url,
                ) from unfiltered
        return [
            item
            for item in everything
            if (resource_link_id is None or item.resource_link_id == resource_link_id)
            and (resource_id is None or item.resource_id == resource_id)
            and (tag is None or item.tag == tag)
        ]

    def _line_items(self, url: str | None) -> list[LineItem]:
        """The line items at ``url`` and its ``Link: rel="next"`` pages."""
        items: list[LineItem] = []
        pages = 0
        while url and pages < MAX_PAGES:
            response = self.client.request("GET", url, scopes=self.scopes, accept=LINEITEMS_MEDIA)
            body = self.client.json_body(response)
            if not isinstance(body, list):
                raise PlatformServiceError(
                    f"The platform's line-item list was not a JSON array ({answered(response)}).",
                    url=url,
                )
            items.extend(LineItem.from_json(entry) for entry in body)
            url = response.links.get("next", {}).get("url")
            pages += 1
        return items

    def get_line_item(self, url: str) -> LineItem:
        self._require(SCOPE_LINEITEM_READONLY)
        response = self.client.request("GET", url, scopes=self.scopes, accept=LINEITEM_MEDIA)
        return LineItem.from_json(self.client.json_body(response))

    def create_line_item(
        self,
        *,
        label: str,
        score_maximum: float,
        resource_id: str | None = None,
        resource_link_id: str | None = None,
        tag: str | None = None,
    ) -> LineItem:
        self._require(SCOPE_LINEITEM)
        item = LineItem("", label, score_maximum, resource_id, resource_link_id, tag)
        response = self.client.request(
            "POST",
            self._container(),
            scopes=self.scopes,
            accept=LINEITEM_MEDIA,
            content_type=LINEITEM_MEDIA,
            json=item.to_json(),
        )
        return LineItem.from_json(self.client.json_body(response))

    def update_line_item(self, item: LineItem) -> LineItem:
        self._require(SCOPE_LINEITEM)
        body = item.to_json() | {"id": item.id}
        response = self.client.request(
            "PUT",
            item.id,
            scopes=self.scopes,
            accept=LINEITEM_MEDIA,
            content_type=LINEITEM_MEDIA,
            json=body,
        )
        return LineItem.from_json(self.client.json_body(response))

    def find_or_create_line_item(
        self,
        *,
        label: str,
        score_maximum: float,
        resource_id: str,
        resource_link_id: str | None = None,
        tag: str | None = None,
    ) -> LineItem:
        """The line item for ``resource_id`` (ours), created if the platform has none.

        The launch's own ``lineitem`` (one created by the platform with the link) wins. A
        platform that refuses to bind a line item to the link (``LINK_REFUSALS``) gets one
        without ``resourceLinkId``, found again by ``resource_id``; ``link_refused`` says so.
        """
        if self.lineitem_url:
            return self.get_line_item(self.lineitem_url)
        for item in self.find_line_items(resource_id=resource_id):
            # Filters are optional for platforms: check the match ourselves.
            if item.resource_id == resource_id:
                return item
        try:
            return self.create_line_item(
                label=label,
                score_maximum=score_maximum,
                resource_id=resource_id,
                resource_link_id=resource_link_id,
                tag=tag,
            )
        except PlatformServiceError as exc:
            if not resource_link_id or exc.status not in LINK_REFUSALS:
                raise
            self.link_refused = exc.status
        return self.create_line_item(
            label=label,
            score_maximum=score_maximum,
            resource_id=resource_id,
            tag=tag,
        )

    # -- scores and results ------------------------------------------------------------------

    def submit_score(
        self,
        line_item_url: str,
        *,
        user_id: str,
        score_given: float,
        score_maximum: float,
        timestamp: datetime,
        comment: str | None = None,
    ) -> None:
        """Post a final score (``Completed``/``FullyGraded``) for ``user_id``."""
        self._require(SCOPE_SCORE)
        if not 0 <= score_given <= score_maximum or score_maximum <= 0:
            raise ValueError("score_given must be within 0..score_maximum (maximum > 0)")
        score: dict[str, Any] = {
            "userId": user_id,
            "scoreGiven": score_given,
            "scoreMaximum": score_maximum,
            "activityProgress": "Completed",
            "gradingProgress": "FullyGraded",
            "timestamp": format_timestamp(timestamp),
        }
        if comment:
            score["comment"] = comment
        try:
            self.client.request(
                "POST",
                sub_url(line_item_url, "/scores"),
                scopes=self.scopes,
                # AGS 2.0 §3.4: the score media type both ways. Chamilo compares Accept
                # verbatim (415 otherwise); Moodle and Canvas accept it too.
                accept=SCORE_MEDIA,
                content_type=SCORE_MEDIA,
                json=score,
            )
        except PlatformServiceError as exc:
            meaning = SCORE_REFUSALS.get(exc.status or 0)
            if exc.explained or meaning is None:
                raise
            # An empty refusal: say what the status means for a score rather than "[]".
            raise PlatformServiceError(
                f"{meaning} (the LMS answered {exc.status} without a reason).",
                status=exc.status,
                url=exc.url,
            ) from exc

    def results(self, line_item_url: str, *, user_id: str | None = None) -> list[dict[str, Any]]:
        """The platform's results for a line item (all pages)."""
        self._require(SCOPE_RESULT_READONLY)
        url: str | None = sub_url(line_item_url, "/results")
        if user_id and url:
            url = with_params(url, {"user_id": user_id})
        results: list[dict[str, Any]] = []
        pages = 0
        while url and pages < MAX_PAGES:
            response = self.client.request("GET", url, scopes=self.scopes, accept=RESULTS_MEDIA)
            body = self.client.json_body(response)
            if not isinstance(body, list):
                raise PlatformServiceError("The platform's results were not a JSON array.", url=url)
            results.extend(entry for entry in body if isinstance(entry, dict))
            url = response.links.get("next", {}).get("url")
            pages += 1
        return results
