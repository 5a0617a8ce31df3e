"""The platform side of LTI 1.3, on ``lti1p3platform`` (an independent implementation, so the
tool is tested against code that is not its own), adapted to Flask.

Only the library's core modules are used: its ``framework`` package imports Django/FastAPI and
``pkg_resources`` (deprecated; gone from new setuptools), so the Flask request/response adapter
and the launch form are ours. Its known faults are worked around where they bite, each marked
"lti1p3platform:" below.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable
from dataclasses import dataclass, field

import jwt
from flask import Request as FlaskRequest
from flask import Response as FlaskResponse
from flask import jsonify
from lti1p3platform.exceptions import LineItemNotFoundException, LtiServiceException
from lti1p3platform.lineitem import TLineItem
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.membership import Context
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request, TRequest
from lti1p3platform.response import Response
from lti1p3platform.score import TScore, UpdateScoreStatus
from lti1p3platform.service_connector import (
    AssignmentsGradesService,
    NamesRoleProvisioningService,
    TPage,
)

from sandbox import people
from sandbox.flavour import MOODLE, SandboxFlavour, other_loopback_url
from sandbox.storage import Store, link_key


@dataclass(frozen=True)
class SandboxConfig:
    """Where the sandbox and the tool are, and the ids the sandbox gave the tool."""

    base_url: str
    tool_url: str
    client_id: str
    deployment_id: str
    flavour: SandboxFlavour = field(default=MOODLE)

    @property
    def signing_url(self) -> str:
        """Where login, token and keys are served: the shared host, else the base URL."""
        return other_loopback_url(self.base_url) if self.flavour.shared_host else self.base_url

    @property
    def issuer(self) -> str:
        return self.flavour.issuer or self.signing_url

    @property
    def auth_url(self) -> str:
        return f"{self.signing_url}/auth"

    @property
    def token_url(self) -> str:
        return f"{self.signing_url}{self.flavour.token_path}"

    @property
    def jwks_url(self) -> str:
        return f"{self.signing_url}/jwks"

    def deployment_for(self, course_id: str, *, deep_linking: bool) -> str:
        """The deployment id a message in ``course_id`` carries (see ``deployment_per_course``)."""
        if not self.flavour.deployment_per_course:
            return self.deployment_id
        number = "1" if deep_linking else "2"
        return number if course_id == people.COURSE_ID else f"{course_id}-{number}"

    @property
    def tool_login_url(self) -> str:
        return f"{self.tool_url}/lti/login"

    @property
    def tool_launch_url(self) -> str:
        return f"{self.tool_url}/lti/launch"

    @property
    def tool_jwks_url(self) -> str:
        return f"{self.tool_url}/lti/jwks"

    @property
    def tool_origin(self) -> str:
        scheme, rest = self.tool_url.split("://", 1)
        return f"{scheme}://{rest.split('/', 1)[0]}"

    def lineitems_url(self, course_id: str = people.COURSE_ID) -> str:
        return f"{self.base_url}/api/courses/{course_id}/lineitems"

    def lineitem_url(self, lineitem_id: int, course_id: str = people.COURSE_ID) -> str:
        # Moodle-shaped: a query string on the line item URL, required by its endpoints.
        return f"{self.lineitems_url(course_id)}/{lineitem_id}/lineitem?type_id=1"

    def memberships_url(self, course_id: str = people.COURSE_ID) -> str:
        return f"{self.base_url}/api/courses/{course_id}/memberships"


class SandboxKey:
    """The platform's key pair, loaded once: RSA key loading is slow and every request signs
    or publishes with it."""

    def __init__(self, private_pem: str) -> None:
        from cryptography.hazmat.primitives import serialization

        self.private_pem = private_pem
        self.public_pem = (
            serialization.load_pem_private_key(private_pem.encode(), password=None)
            .public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode("ascii")
        )
        self.jwk = Registration.get_jwk(self.public_pem)
        self.kid: str = self.jwk["kid"]


class SandboxRegistration(Registration):  # type: ignore[misc]  # lti1p3platform ships no types
    """lti1p3platform re-derives the kid from the private PEM on every signature (a key load
    each time); the sandbox's key is fixed, so its kid and JWK are computed once."""

    def __init__(self, key: SandboxKey) -> None:
        self._key = key

    def get_kid(self) -> str:
        return self._key.kid

    def get_jwks(self) -> list[dict[str, t.Any]]:
        return [dict(self._key.jwk)]


class PlatformConf(LTI1P3PlatformConfAbstract):  # type: ignore[misc]  # lti1p3platform ships no types
    """The sandbox's single registration: the tool, with the sandbox's key."""

    def init_platform_config(self, **kwargs: t.Any) -> None:
        self.config: SandboxConfig = kwargs["config"]
        self.key: SandboxKey = kwargs["key"]

    def get_registration_by_params(self, **kwargs: t.Any) -> Registration:
        config = self.config
        return (
            SandboxRegistration(self.key)
            .set_iss(config.issuer)
            .set_client_id(config.client_id)
            .set_deployment_id(config.deployment_id)
            .set_oidc_login_url(config.tool_login_url)
            .set_launch_url(config.tool_launch_url)
            .set_deeplink_launch_url(config.tool_launch_url)
            .set_tool_key_set_url(config.tool_jwks_url)
            .set_platform_public_key(self.key.public_pem)
            .set_platform_private_key(self.key.private_pem)
        )


# -- Flask adapter ------------------------------------------------------------------------------

PAGING_KEYS = ("page", "limit")


class FlaskPlatformRequest(Request):  # type: ignore[misc]  # lti1p3platform ships no types
    def build_metadata(self, request: FlaskRequest) -> TRequest:
        get_data: dict[str, t.Any] = request.args.to_dict()
        # lti1p3platform: it computes ``page + 1`` on the raw query value (a str) and so
        # fails on every second page; page and limit are given to it as ints.
        for key in PAGING_KEYS:
            if key in get_data:
                try:
                    get_data[key] = max(1, int(get_data[key]))
                except ValueError:
                    raise LtiServiceException(f"{key} must be a whole number", 400) from None
        return {
            "method": request.method,
            "form_data": request.form.to_dict(),
            "get_data": get_data,
            "headers": request.headers,
            "content_type": request.content_type,
            "path": request.path,
            "json": request.get_json(silent=True) if request.is_json else None,
        }


def service_response(call: Callable[[], Response]) -> FlaskResponse:
    """Run a library service handler and turn its Response into Flask's."""
    try:
        result = call()
    except LtiServiceException as exc:
        result = Response(result=None, code=exc.status_code, message=exc.message)
    except jwt.InvalidTokenError as exc:
        # lti1p3platform: a bad or expired bearer token escapes as a PyJWT error.
        result = Response(result=None, code=401, message=f"Invalid access token: {exc}")
    if not 200 <= result.code < 300 and not result.message:
        return FlaskResponse(status=result.code)  # an empty refusal, as Moodle's 409
    if not 200 <= result.code < 300:
        response = jsonify({"error": result.message})
        response.status_code = result.code
        return response
    body = result.result
    next_url = None
    if isinstance(body, dict):
        next_url = body.pop("next", None)
        # lti1p3platform: line-item and result pages come back as {"content": [...],
        # "has_next": …}; the AGS media types are plain JSON arrays, so they are unwrapped.
        if "content" in body:
            body = body["content"]
    if result.code == 204 or body is None:
        response = FlaskResponse(status=result.code)
    else:
        response = jsonify(body)
        response.status_code = result.code
        response.mimetype = result.media_type
    if next_url:
        # lti1p3platform: its generate_next_link writes ``rel=next`` unquoted; RFC 8288
        # allows that, but tools parse the quoted form most reliably.
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return response


# -- login and launch ---------------------------------------------------------------------------


class SandboxLogin(OIDCLoginAbstract):  # type: ignore[misc]  # lti1p3platform ships no types
    """Third-party login initiation: the URL the tool frame is opened at."""

    def set_lti_message_hint(self, **kwargs: t.Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> str:
        return url


class SandboxLaunch(LTIAdvantageMessageLaunchAbstract):  # type: ignore[misc]  # lti1p3platform ships no types
    """Answers the tool's authentication request with a signed id_token (form_post)."""

    def __init__(self, request: Request, conf: PlatformConf, store: Store) -> None:
        super().__init__(request, conf)
        self.store = store
        self.config = conf.config
        #: Where the launch form posts, when not the redirect URI (``posts_to_link_url``).
        self._post_to: str | None = None

    def validate_preflight_response(self, preflight_response: dict[str, t.Any]) -> None:
        super().validate_preflight_response(preflight_response)
        # lti1p3platform: it posts the id_token to whatever redirect_uri the request names;
        # a platform must only use the redirect URIs registered for the tool.
        if preflight_response.get("redirect_uri") != self.config.tool_launch_url:
            raise SandboxError("redirect_uri is not the tool's registered launch URL")
        if preflight_response.get("response_type") != "id_token":
            raise SandboxError("response_type must be id_token")
        if preflight_response.get("scope") != "openid":
            raise SandboxError("scope must be openid")

    def prepare_launch(self, preflight_response: dict[str, t.Any]) -> None:
        person = people.BY_ID.get(preflight_response.get("login_hint", ""))
        if person is None:
            raise SandboxError("login_hint names nobody in this course")
        hint = str(preflight_response.get("lti_message_hint", ""))
        course_id = people.COURSE_ID
        row = None
        if hint.startswith("deep-linking:"):
            hint, course_id = "deep-linking", hint.removeprefix("deep-linking:")
        elif hint.startswith("link:") and hint[5:].isdigit():
            row = self.store.get_link(int(hint[5:]))
            if row is None:
                raise SandboxError("that resource link does not exist")
            course_id = row["course_id"]
        course = self.store.get_course(course_id)
        if course is None:
            raise SandboxError("lti_message_hint names no course of the sandbox")
        self.set_user_data(
            person.user_id, [person.role_uri], person.name, person.email, person.user_id
        )
        self.set_extra_claims({"given_name": person.given_name, "family_name": person.family_name})
        self.set_launch_context_claim(
            course_id,
            ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
            course["title"],
            course["label"],
        )
        self.set_launch_presentation_claim("iframe", f"{self.config.base_url}/")
        self.set_extra_claims(
            {
                "https://purl.imsglobal.org/spec/lti/claim/tool_platform": {
                    "guid": "peerloop-sandbox",
                    "name": "Peerloop sandbox LMS",
                    "product_family_code": "peerloop-sandbox",
                }
            }
        )
        self.set_nrps(self.config.memberships_url(course_id))
        self.set_extra_claims(
            {
                "https://purl.imsglobal.org/spec/lti/claim/deployment_id": (
                    self.config.deployment_for(course_id, deep_linking=hint == "deep-linking")
                )
            }
        )
        if hint == "deep-linking":
            if not person.is_instructor:
                raise SandboxError("only the instructor can add activities")
            self.set_dl(
                f"{self.config.base_url}/deep-linking/return",
                title=f"Add an activity to {course['title']}",
                accept_types={"ltiResourceLink"},
                # Opaque to the tool, which must send it back as is: the course to add to.
                extra_data={"sandbox": "opaque-data-returned-as-is", "course": course_id},
            )
            return
        if row is None:
            raise SandboxError("lti_message_hint names no resource link")
        self.set_launch_url(row["url"])
        self.set_resource_link_claim(resource_link_id(row["id"]), row["text"], row["title"])
        if row["custom"]:
            custom = dict(row["custom"])
            if self.config.flavour.lowercases_custom_keys:
                custom = {str(key).lower(): value for key, value in custom.items()}
            self.set_custom_parameters_claim(custom)
        if self.config.flavour.posts_to_link_url:
            self._post_to = str(row["url"])
        items = self.store.lineitems(
            course_id=course_id, resource_link_id=resource_link_id(row["id"])
        )
        self.set_ags(
            self.config.lineitems_url(course_id),
            self.config.lineitem_url(items[0]["id"], course_id) if items else None,
        )

    def render_launch_form(self, launch_data: dict[str, t.Any], **kwargs: t.Any) -> t.Any:
        render: Callable[[dict[str, t.Any]], t.Any] = kwargs["render"]
        if self._post_to:
            launch_data = launch_data | {"launch_url": self._post_to}
        return render(launch_data)


class SandboxError(Exception):
    """A request to the sandbox that it refuses (shown as a 400 with this message)."""


resource_link_id = link_key


# -- AGS and NRPS -------------------------------------------------------------------------------


def _lineitem_json(config: SandboxConfig, row: dict[str, t.Any]) -> TLineItem:
    data: dict[str, t.Any] = {
        "id": config.lineitem_url(row["id"], row["course_id"]),
        "label": row["label"],
        "scoreMaximum": row["score_maximum"],
    }
    for key, column in (
        ("resourceId", "resource_id"),
        ("resourceLinkId", "resource_link_id"),
        ("tag", "tag"),
    ):
        if row[column]:
            data[key] = row[column]
    return t.cast(TLineItem, data)


def _page(items: list[t.Any], page: int, limit: int | None) -> TPage:
    if not limit:
        return {"content": items, "has_next": False, "next": None}
    start = (page - 1) * limit
    return {
        "content": items[start : start + limit],
        "has_next": start + limit < len(items),
        "next": None,
    }


class SandboxAgs(AssignmentsGradesService):  # type: ignore[misc]  # lti1p3platform ships no types
    def __init__(
        self,
        request: Request,
        conf: PlatformConf,
        store: Store,
        lineitem_id: int | None = None,
        course_id: str = people.COURSE_ID,
    ) -> None:
        # The line item URL without its query: the library appends "/results?…" to it for
        # the next page, and the query (type_id) comes back from the request's own arguments.
        lineitems_url = conf.config.lineitems_url(course_id)
        lineitem_url = f"{lineitems_url}/{lineitem_id}/lineitem" if lineitem_id else None
        super().__init__(request, conf, lineitems_url, lineitem_url)
        self.store = store
        self.config = conf.config
        self.course_id = course_id
        self.course_lineitems_url = lineitems_url

    def _row(self, line_item_id: str | int) -> dict[str, t.Any]:
        row = self.store.get_lineitem(int(line_item_id))
        if row is None or row["course_id"] != self.course_id:
            # Each course's gradebook is its own: another course's line item is not here.
            raise LineItemNotFoundException()
        return row

    def find_lineitems(
        self,
        page: int = 1,
        limit: int | None = None,
        line_item_id: str | None = None,
        resource_link_id: str | None = None,
        resource_id: str | None = None,
        tag: str | None = None,
        **_other: t.Any,
    ) -> TPage:
        rows = self.store.lineitems(
            course_id=self.course_id,
            resource_link_id=resource_link_id,
            resource_id=resource_id,
            tag=tag,
        )
        return _page([_lineitem_json(self.config, row) for row in rows], page, limit)

    def find_lineitem(self, line_item_id: str) -> TLineItem:
        return _lineitem_json(self.config, self._row(line_item_id))

    def create_lineitem(self, creation_data: TLineItem) -> TLineItem:
        data = _checked_lineitem(creation_data)
        refusal = self.config.flavour.link_lineitem_refusal
        # Canvas: only an assignment's link has a line item; a new one cannot be tied to a
        # link that has none.
        if (
            refusal
            and data["resource_link_id"]
            and not self.store.lineitems(
                course_id=self.course_id, resource_link_id=data["resource_link_id"]
            )
        ):
            raise LtiServiceException("The resource link has no line item", refusal)
        new_id = self.store.add_lineitem(data | {"course_id": self.course_id})
        return self.find_lineitem(str(new_id))

    def update_lineitem(self, update_data: TLineItem) -> TLineItem:
        line_item_id = str(update_data["id"])
        self._row(line_item_id)
        self.store.update_lineitem(int(line_item_id), _checked_lineitem(update_data))
        return self.find_lineitem(line_item_id)

    def delete_lineitem(self, line_item_id: str) -> None:
        self._row(line_item_id)
        self.store.delete_lineitem(int(line_item_id))

    def update_score(self, line_item_id: str, score: TScore) -> UpdateScoreStatus:
        self._row(line_item_id)
        data = t.cast(dict[str, t.Any], score)
        if not isinstance(data, dict):
            raise LtiServiceException("The score must be a JSON object", 400)
        user_id = data.get("userId")
        if user_id not in people.BY_ID:
            raise LtiServiceException(f"userId {user_id!r} is not a member of this course", 400)
        for key in ("timestamp", "activityProgress", "gradingProgress"):
            if not data.get(key):
                raise LtiServiceException(f"The score has no {key}", 400)
        given, maximum = data.get("scoreGiven"), data.get("scoreMaximum")
        if given is not None and (
            not isinstance(given, int | float)
            or not isinstance(maximum, int | float)
            or maximum <= 0
            or given < 0
        ):
            raise LtiServiceException("scoreGiven needs a positive scoreMaximum", 400)
        timestamp = _parse_timestamp(str(data["timestamp"]))
        previous = self.store.scores(int(line_item_id), str(user_id))
        if previous and int(_parse_timestamp(previous[-1]["timestamp"]).timestamp()) >= int(
            timestamp.timestamp()
        ):
            # AGS 2.0 §3.4.4: a score not newer than the last one processed is refused. As
            # Moodle does it: compared in whole seconds, a 409 with an empty body.
            raise LtiServiceException("", 409)
        self.store.add_score(
            {
                "lineitem_id": int(line_item_id),
                "user_id": user_id,
                "score_given": given,
                "score_maximum": maximum,
                "activity_progress": data["activityProgress"],
                "grading_progress": data["gradingProgress"],
                "comment": data.get("comment"),
                "timestamp": str(data["timestamp"]),
            }
        )
        return UpdateScoreStatus.SUCCESS

    def get_results(
        self,
        line_item_id: str,
        page: int = 1,
        limit: int | None = None,
        user_id: str | None = None,
        **_other: t.Any,
    ) -> TPage:
        self._row(line_item_id)
        results = [
            {
                "id": f"{self.course_lineitems_url}/{line_item_id}/lineitem/results/{row['id']}",
                "scoreOf": self.config.lineitem_url(int(line_item_id), self.course_id),
                "userId": row["user_id"],
                "resultScore": row["score_given"],
                "resultMaximum": row["score_maximum"],
                **({"comment": row["comment"]} if row["comment"] else {}),
            }
            for row in self.store.latest_scores(int(line_item_id)).values()
            if user_id is None or row["user_id"] == user_id
        ]
        return _page(results, page, limit)


def _checked_lineitem(data: t.Any) -> dict[str, t.Any]:
    if not isinstance(data, dict):
        raise LtiServiceException("The line item must be a JSON object", 400)
    label, maximum = data.get("label"), data.get("scoreMaximum")
    if not isinstance(label, str) or not label.strip():
        raise LtiServiceException("The line item needs a label", 400)
    if not isinstance(maximum, int | float) or maximum <= 0:
        raise LtiServiceException("The line item needs a positive scoreMaximum", 400)
    return {
        "label": label,
        "score_maximum": float(maximum),
        "resource_id": data.get("resourceId"),
        "resource_link_id": data.get("resourceLinkId"),
        "tag": data.get("tag"),
    }


def _parse_timestamp(value: str) -> t.Any:
    from datetime import datetime

    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise LtiServiceException(f"timestamp {value!r} is not ISO 8601", 400) from None
    if parsed.tzinfo is None:
        raise LtiServiceException("timestamp needs a time zone offset", 400)
    return parsed


class SandboxNrps(NamesRoleProvisioningService):  # type: ignore[misc]  # lti1p3platform ships no types
    """Every course of the sandbox has the same people."""

    def __init__(self, request: Request, conf: PlatformConf, course: dict[str, t.Any]) -> None:
        most = conf.config.flavour.nrps_page_size
        if most:
            # Canvas's page size caps the tool's limit; the library links the next page only
            # when the query has a limit, so the capped one is put there.
            query = request.get_data
            query["limit"] = min(int(query.get("limit") or most), most)
        super().__init__(request, conf, conf.config.memberships_url(course["id"]))
        self.course = course

    def get_context_by_id(self) -> Context:
        course = self.course
        return Context(id=course["id"], label=course["label"], title=course["title"])

    def is_resource_link_valid(self, context_id: str, resource_link_id: str) -> bool:
        return context_id == self.course["id"] and resource_link_id.startswith("sbx-link-")

    def get_member_data_page(
        self,
        page: int = 1,
        limit: int | None = None,
        role: str | None = None,
        since: str | None = None,
        **_other: t.Any,
    ) -> TPage:
        members = [
            {
                "user_id": person.user_id,
                # Short role names, as Moodle's NRPS sends them (launches carry URIs).
                "roles": [person.role],
                "status": "Active",
                "name": person.name,
                "given_name": person.given_name,
                "family_name": person.family_name,
                "email": person.email,
            }
            for person in people.PEOPLE
            if role is None or role in (person.role, person.role_uri)
        ]
        return _page(members, page, limit)
