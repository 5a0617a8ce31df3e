"""The sandbox LMS web app: a separate Flask app on its own port, so it is a different origin
from the tool, as a real LMS is."""

from __future__ import annotations

import typing as t
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import jwt
from flask import Blueprint, Flask, current_app, jsonify, redirect, render_template, request
from flask.typing import ResponseReturnValue
from lti1p3platform.exceptions import (
    LtiDeepLinkingResponseException,
    LtiException,
    LtiServiceException,
    MissingRequiredClaim,
    PreflightRequestValidationException,
    UnsupportedGrantType,
)

from sandbox import people
from sandbox.flavour import MOODLE, SandboxFlavour
from sandbox.platform import (
    FlaskPlatformRequest,
    PlatformConf,
    SandboxAgs,
    SandboxConfig,
    SandboxError,
    SandboxKey,
    SandboxLaunch,
    SandboxLogin,
    SandboxNrps,
    resource_link_id,
    service_response,
)
from sandbox.registration import TOOL_CONFIGURATION, openid_configuration, placements
from sandbox.storage import Store

TEMPLATES = Path(__file__).resolve().parent / "templates"
CLIENT_ID = "peerloop-sandbox"
DEPLOYMENT_ID = "sandbox-deployment-1"
#: The bearer token the sandbox's dynamic registration accepts.
REGISTRATION_TOKEN = "sandbox-registration-token"  # noqa: S105 — a public test value

bp = Blueprint("sandbox", __name__)


def _sandbox_config(base_url: str, tool_url: str, flavour: SandboxFlavour) -> SandboxConfig:
    return SandboxConfig(
        base_url=base_url.rstrip("/"),
        tool_url=tool_url.rstrip("/"),
        client_id=CLIENT_ID,
        deployment_id=DEPLOYMENT_ID,
        flavour=flavour,
    )


def registration_values(base_url: str, flavour: SandboxFlavour = MOODLE) -> dict[str, t.Any]:
    """What the tool must know of the sandbox: the ``add_platform`` keyword arguments, as an
    admin registers it by hand (with ``--frame-origin`` for a shared-host flavour)."""
    config = _sandbox_config(base_url, "", flavour)
    values: dict[str, t.Any] = {
        "issuer": config.issuer,
        "client_id": CLIENT_ID,
        "auth_login_url": config.auth_url,
        "auth_token_url": config.token_url,
        "key_set_url": config.jwks_url,
        # The deep-linking deployment of the first course: others are recorded at launch.
        "deployment_ids": (config.deployment_for(people.COURSE_ID, deep_linking=True),),
        "name": "Peerloop sandbox LMS",
        "source": "sandbox",
    }
    if flavour.shared_host:
        values["frame_origins"] = (config.base_url,)
    return values


def create_sandbox_app(
    *,
    base_url: str,
    tool_url: str,
    database_url: str,
    production: bool = False,
    flavour: SandboxFlavour = MOODLE,
) -> Flask:
    """The sandbox for a tool at ``tool_url``, itself served at ``base_url``, behaving as
    ``flavour`` says (see ``sandbox.flavour``)."""
    if production:
        raise RuntimeError("the sandbox LMS is a development aid and never runs in production")
    app = Flask(__name__, template_folder=str(TEMPLATES), static_folder=None)
    store = Store(database_url)
    app.extensions["sandbox.store"] = store
    app.extensions["sandbox.config"] = _sandbox_config(base_url, tool_url, flavour)
    #: Tool registrations received by dynamic registration, with their placements.
    app.extensions["sandbox.registrations"] = []
    app.extensions["sandbox.key"] = SandboxKey(store.private_key_pem())
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    app.register_blueprint(bp)

    @app.errorhandler(SandboxError)
    def _refused(error: SandboxError) -> ResponseReturnValue:
        return _error_page(str(error), 400)

    @app.errorhandler(LtiServiceException)
    def _service_refused(error: LtiServiceException) -> ResponseReturnValue:
        return jsonify({"error": error.message}), error.status_code

    @app.errorhandler(404)
    def _not_found(_error: Exception) -> ResponseReturnValue:
        return _error_page("There is no such page in the sandbox.", 404)

    @app.errorhandler(405)
    def _bad_method(_error: Exception) -> ResponseReturnValue:
        return _error_page("That page does not accept this kind of request.", 405)

    return app


def _error_page(message: str, status: int) -> ResponseReturnValue:
    if request.path.startswith(("/api/", "/login/")) or request.path == "/token":
        return jsonify({"error": message}), status
    return render_template("sandbox/error.html", message=message, status=status), status


def _store() -> Store:
    store: Store = current_app.extensions["sandbox.store"]
    return store


def _config() -> SandboxConfig:
    config: SandboxConfig = current_app.extensions["sandbox.config"]
    return config


def _conf() -> PlatformConf:
    conf = PlatformConf(config=_config(), key=current_app.extensions["sandbox.key"])
    conf.get_registration()
    return conf


def _person(user_id: str) -> people.Person:
    person = people.BY_ID.get(user_id)
    if person is None:
        raise SandboxError(f"Nobody called {user_id!r} is in this course.")
    return person


# -- pages --------------------------------------------------------------------------------------


def _course(course_id: str | None = None) -> dict[str, t.Any]:
    """The course a page or call is about (``?course=``; the first course by default)."""
    course_id = course_id or request.args.get("course") or people.COURSE_ID
    found = _store().get_course(course_id)
    if found is None:
        raise SandboxError(f"There is no course {course_id!r}.")
    return found


@bp.get("/")
def home() -> str:
    store = _store()
    return render_template(
        "sandbox/home.html",
        instructor=people.INSTRUCTOR,
        learners=people.LEARNERS,
        courses=[(course, store.links(course["id"])) for course in store.courses()],
        default_course=people.COURSE_ID,
        tool_url=_config().tool_url,
        flavour=_config().flavour,
    )


@bp.get("/course/<user_id>")
def course(user_id: str) -> str:
    person = _person(user_id)
    current = _course()
    return render_template(
        "sandbox/course.html",
        person=person,
        course=current,
        links=_store().links(current["id"]),
        course_title=current["title"],
        added=request.args.get("added"),
    )


@bp.post("/courses/<course_id>/copy")
def copy_course(course_id: str) -> ResponseReturnValue:
    """Copy a course for a new term, as Moodle's backup/restore does (post/redirect/get)."""
    new_id = _store().copy_course(_course(course_id)["id"])
    return redirect(f"/course/{people.INSTRUCTOR.user_id}?course={new_id}", 303)


def _login_urls(person: people.Person, hint: str, target: str | None) -> tuple[str, str]:
    login = SandboxLogin(FlaskPlatformRequest(request), _conf())
    login.set_lti_message_hint(hint=hint)
    if target:
        login.set_launch_url(target)
    else:
        login.set_deeplinking_launch_url()
    url = login.initiate_login(person.user_id)
    if not _config().flavour.login_names_client:
        parts = urlsplit(url)
        kept = [
            (name, value)
            for name, value in parse_qsl(parts.query)
            if name not in ("client_id", "lti_deployment_id")
        ]
        url = urlunsplit(parts._replace(query=urlencode(kept)))
    # LTI Platform Storage: the tool keeps its state with us through postMessage to our frame
    # (window.parent), so launches work when the browser blocks third-party cookies. The plain
    # URL is the new-window fallback, where first-party cookies work.
    return f"{url}&lti_storage_target={_config().flavour.storage_target}", url


@bp.get("/launch/<user_id>/deep-linking")
def launch_deep_linking(user_id: str) -> str:
    person = _person(user_id)
    if not person.is_instructor:
        raise SandboxError("Only the instructor can add activities to the course.")
    current = _course()
    hint = "deep-linking" if current["id"] == people.COURSE_ID else f"deep-linking:{current['id']}"
    frame_url, window_url = _login_urls(person, hint, None)
    return render_template(
        "sandbox/launch.html",
        person=person,
        heading="Add an activity",
        frame_url=frame_url,
        window_url=window_url,
        tool_origin=_config().tool_origin,
        **_storage_frame(),
    )


@bp.get("/launch/<user_id>/link/<int:link_id>")
def launch_link(user_id: str, link_id: int) -> str:
    person = _person(user_id)
    row = _store().get_link(link_id)
    if row is None:
        raise SandboxError("That activity is not in the course.")
    frame_url, window_url = _login_urls(person, f"link:{link_id}", row["url"])
    return render_template(
        "sandbox/launch.html",
        person=person,
        heading=row["title"],
        frame_url=frame_url,
        window_url=window_url,
        tool_origin=_config().tool_origin,
        **_storage_frame(),
    )


def _storage_frame() -> dict[str, t.Any]:
    """The named storage frame beside the tool's (Canvas's forwarding frame, on its login
    host): its URL and name, both None when the parent page itself answers; and whether the
    page answers ``lti.capabilities``."""
    config = _config()
    answers: dict[str, t.Any] = {"capabilities": config.flavour.capabilities}
    if config.flavour.storage_target == "_parent" or not config.flavour.storage_frame:
        return answers | {"storage_frame": None, "storage_frame_name": None}
    return answers | {
        "storage_frame": f"{config.signing_url}/post_message_forwarding",
        "storage_frame_name": config.flavour.storage_target,
    }


@bp.get("/post_message_forwarding")
def post_message_forwarding() -> str:
    return render_template(
        "sandbox/storage_frame.html",
        tool_origin=_config().tool_origin,
        frame_name=_config().flavour.storage_target,
    )


@bp.get("/gradebook")
def gradebook() -> str:
    store = _store()
    current = _course()
    columns = []
    for item in store.lineitems(course_id=current["id"]):
        columns.append((item, store.latest_scores(item["id"])))
    return render_template(
        "sandbox/gradebook.html",
        columns=columns,
        learners=people.PEOPLE,
        course_title=current["title"],
    )


# -- LTI endpoints ------------------------------------------------------------------------------


@bp.route("/auth", methods=["GET", "POST"])
def auth() -> ResponseReturnValue:
    """OIDC authentication endpoint: answers the tool's login redirect with an id_token."""
    launch = SandboxLaunch(FlaskPlatformRequest(request), _conf(), _store())
    try:
        return t.cast(
            str,
            launch.lti_launch(
                render=lambda data: render_template("sandbox/launch_form.html", **data)
            ),
        )
    except PreflightRequestValidationException:
        raise SandboxError(
            "The tool's authentication request lacks nonce, state or redirect_uri, "
            "or names another client_id."
        ) from None


@bp.get("/jwks")
def jwks() -> ResponseReturnValue:
    return jsonify(_conf().get_jwks())


@bp.post("/token")
@bp.post("/login/oauth2/token")
def token() -> ResponseReturnValue:
    conf = _conf()
    try:
        _check_client_assertion(request.form.get("client_assertion", ""))
        return jsonify(conf.get_access_token(request.form.to_dict()))
    except MissingRequiredClaim as exc:
        return jsonify({"error": "invalid_request", "error_description": str(exc)}), 400
    except UnsupportedGrantType:
        return jsonify(
            {"error": "unsupported_grant_type", "error_description": "use client_credentials"}
        ), 400
    except (LtiException, jwt.InvalidTokenError) as exc:
        return jsonify({"error": "invalid_client", "error_description": str(exc)}), 401


def _check_client_assertion(assertion: str) -> None:
    """lti1p3platform checks the assertion's signature only; a platform must also check that
    it names the tool's client id (iss and sub) and is addressed to its token endpoint."""
    if not assertion:
        return  # the library reports the missing claim
    claims = jwt.decode(assertion, options={"verify_signature": False})
    config = _config()
    if claims.get("iss") != config.client_id or claims.get("sub") != config.client_id:
        raise LtiException(f"client assertion is not from client {config.client_id}")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if config.token_url not in audiences:
        raise LtiException("client assertion is addressed to another token endpoint")


@bp.get("/api/lti/security/openid-configuration")
def lti_openid_configuration() -> ResponseReturnValue:
    """Dynamic registration, step 1: what the tool reads of the platform."""
    return jsonify(openid_configuration(_config()))


@bp.post("/api/lti/registrations")
def lti_registrations() -> ResponseReturnValue:
    """Dynamic registration, step 2: the tool's client registration; the sandbox's client id
    and deployment come back, and the placements read from it are kept for tests to see."""
    if request.headers.get("Authorization") != f"Bearer {REGISTRATION_TOKEN}":
        return jsonify({"error": "invalid_token"}), 401
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get(TOOL_CONFIGURATION), dict):
        return jsonify({"error": "invalid_client_metadata"}), 400
    config = _config()
    current_app.extensions["sandbox.registrations"].append(
        {"body": body, "placements": placements(body, config.flavour.canvas_placement_rules)}
    )
    tool = dict(body[TOOL_CONFIGURATION], deployment_id=config.deployment_id)
    return jsonify(dict(body, client_id=config.client_id, **{TOOL_CONFIGURATION: tool}))


@bp.post("/deep-linking/return")
def deep_linking_return() -> ResponseReturnValue:
    if not request.form.get("JWT"):
        raise SandboxError("The deep-linking response has no JWT.")
    config = _config()
    try:
        if config.flavour.tool_key_pasted:
            items = _items_checked_with_pasted_key(request.form["JWT"])
        else:
            items = _conf().validate_deeplinking_resp(request.form.to_dict())
    except (LtiException, LtiDeepLinkingResponseException, jwt.InvalidTokenError) as exc:
        raise SandboxError(f"The deep-linking response was refused: {exc}") from None
    # lti1p3platform checks the signature and message type only (aud is not verified).
    claims = jwt.decode(request.form["JWT"], options={"verify_signature": False})
    if claims.get("aud") not in (config.issuer, [config.issuer]):
        raise SandboxError("The deep-linking response is addressed to another platform.")
    if claims.get("iss") != config.client_id:
        raise SandboxError("The deep-linking response comes from another client.")
    data = claims.get("https://purl.imsglobal.org/spec/lti-dl/claim/data")
    course_id = data.get("course") if isinstance(data, dict) else None
    current = _course(str(course_id or people.COURSE_ID))
    deployment = claims.get("https://purl.imsglobal.org/spec/lti/claim/deployment_id")
    if deployment != config.deployment_for(current["id"], deep_linking=True):
        raise SandboxError("The deep-linking response names another deployment.")
    added = []
    for item in items:
        added.append(_add_item(item, current["id"]))
    return render_template(
        "sandbox/deep_linking_done.html",
        added=added,
        course_url=f"{config.base_url}/course/{people.INSTRUCTOR.user_id}?course={current['id']}",
    )


def _items_checked_with_pasted_key(token: str) -> list[dict[str, t.Any]]:
    """The response's content items, its signature checked against the tool key the
    administrator pasted (as Chamilo does: no JWKS URL, no kid lookup)."""
    pem = _store().tool_public_pem()
    if not pem:
        raise SandboxError(
            "No tool public key is set: paste Peerloop's key (`peerloop keys list --pem`) "
            "on the tool key page first."
        )
    claims = jwt.decode(
        token, pem, algorithms=["RS256"], options={"verify_aud": False, "require": ["exp"]}
    )
    message_type = claims.get("https://purl.imsglobal.org/spec/lti/claim/message_type")
    if message_type != "LtiDeepLinkingResponse":
        raise SandboxError("The token is not a deep-linking response.")
    items = claims.get("https://purl.imsglobal.org/spec/lti-dl/claim/content_items") or []
    if not isinstance(items, list):
        raise SandboxError("The deep-linking response's content items are not a list.")
    return items


@bp.route("/admin/tool-key", methods=["GET", "POST"])
def tool_key() -> ResponseReturnValue:
    """Where the administrator pastes the tool's public key (``tool_key_pasted`` flavours)."""
    if request.method == "POST":
        pem = request.form.get("pem", "").strip()
        try:
            from cryptography.hazmat.primitives.serialization import load_pem_public_key

            load_pem_public_key(pem.encode())
        except ValueError:
            raise SandboxError("That is not a PEM public key.") from None
        _store().set_tool_public_pem(pem)
        return redirect("/admin/tool-key", 303)
    return render_template("sandbox/tool_key.html", pem=_store().tool_public_pem())


def _add_item(item: dict[str, t.Any], course_id: str) -> dict[str, t.Any]:
    """Store one ltiResourceLink as strictly as picky LMSs do."""
    url, title = item.get("url"), item.get("title")
    if item.get("type") != "ltiResourceLink":
        raise SandboxError("The sandbox only accepts ltiResourceLink items.")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise SandboxError("A resource link has no URL.")
    if urlsplit(url).query:
        raise SandboxError("A resource link URL has a query string; LMSs drop or mangle it.")
    if "custom" in item and not item["custom"]:
        raise SandboxError("A resource link has an empty custom object; some LMSs refuse it.")
    custom = item.get("custom") or {}
    if not all(isinstance(value, str) for value in custom.values()):
        raise SandboxError("Custom parameter values must be strings.")
    if not _config().flavour.keeps_item_custom:
        custom = {}
    link_id = _store().add_link(
        str(title or "Untitled activity"), item.get("text"), url, custom, course_id
    )
    line_item = item.get("lineItem")
    if isinstance(line_item, dict) and line_item.get("scoreMaximum"):
        _store().add_lineitem(
            {
                "label": str(line_item.get("label") or title or "Activity"),
                "score_maximum": float(line_item["scoreMaximum"]),
                "resource_id": line_item.get("resourceId"),
                "resource_link_id": resource_link_id(link_id),
                "tag": line_item.get("tag"),
                "course_id": course_id,
            }
        )
    return {"id": link_id, "title": title, "url": url}


# -- AGS and NRPS ---------------------------------------------------------------------------------

COURSE = "/api/courses/<course_id>"


def _check_course(course_id: str) -> None:
    if _store().get_course(course_id) is None:
        raise SandboxError(f"There is no course {course_id!r}.")


def _check_type_id() -> None:
    # Moodle's line-item URLs carry ?type_id=…, and its endpoints need it back.
    if request.args.get("type_id") != "1":
        raise SandboxError("type_id is missing from the line item URL")


#: The AGS media types (AGS 2.0 §3.2, §3.3, §3.4), which ``strict_accept`` flavours demand.
LINEITEM_MEDIA = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_MEDIA = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_MEDIA = "application/vnd.ims.lis.v1.score+json"
FILTERS = ("resource_id", "resource_link_id", "tag")


def _check_accept(*allowed: str) -> None:
    # Compared verbatim, as Chamilo does: a list or a parameter is not the media type.
    if _config().flavour.strict_accept and request.headers.get("Accept") not in allowed:
        raise LtiServiceException("Unsupported media type.", 415)


@bp.route(COURSE + "/lineitems", methods=["GET", "POST"])
def lineitems(course_id: str) -> ResponseReturnValue:
    _check_course(course_id)
    _check_accept(LINEITEMS_MEDIA, LINEITEM_MEDIA)
    if (
        request.method == "GET"
        and _config().flavour.filtered_lineitems_break
        and any(request.args.get(name) for name in FILTERS)
    ):
        # A PHP fatal error under display_errors: an HTML page, and still status 200.
        return (
            "<br />\n<b>Fatal error</b>:  Uncaught TypeError: getLineItems(): Argument #2 "
            "must be of type int, string given in ImsLtiTool.php:512",
            200,
            {"Content-Type": "text/html; charset=UTF-8"},
        )
    service = SandboxAgs(FlaskPlatformRequest(request), _conf(), _store(), course_id=course_id)
    if request.method == "POST":
        return service_response(lambda: service.handle_create_lineitem())
    return service_response(lambda: service.handle_get_lineitems())


@bp.route(COURSE + "/lineitems/<int:item_id>/lineitem", methods=["GET", "PUT", "DELETE"])
def lineitem(course_id: str, item_id: int) -> ResponseReturnValue:
    _check_course(course_id)
    _check_type_id()
    _check_accept(LINEITEM_MEDIA)
    service = SandboxAgs(FlaskPlatformRequest(request), _conf(), _store(), course_id=course_id)
    key = str(item_id)
    if request.method == "PUT":
        return service_response(lambda: service.handle_update_lineitem(key))
    if request.method == "DELETE":
        return service_response(lambda: service.handle_delete_lineitem(key))
    return service_response(lambda: service.handle_get_lineitem(key))


@bp.post(COURSE + "/lineitems/<int:item_id>/lineitem/scores")
def scores(course_id: str, item_id: int) -> ResponseReturnValue:
    _check_course(course_id)
    _check_type_id()
    _check_accept(SCORE_MEDIA)
    service = SandboxAgs(FlaskPlatformRequest(request), _conf(), _store(), course_id=course_id)
    return service_response(lambda: service.handle_update_score(str(item_id)))


@bp.get(COURSE + "/lineitems/<int:item_id>/lineitem/results")
def results(course_id: str, item_id: int) -> ResponseReturnValue:
    _check_course(course_id)
    _check_type_id()
    service = SandboxAgs(
        FlaskPlatformRequest(request), _conf(), _store(), item_id, course_id=course_id
    )
    return service_response(lambda: service.handle_get_results(str(item_id)))


@bp.get(COURSE + "/memberships")
def memberships(course_id: str) -> ResponseReturnValue:
    service = SandboxNrps(FlaskPlatformRequest(request), _conf(), _course(course_id))
    return service_response(lambda: service.handle_get_members())
