"""LTI 1.3 login and launch: ``/lti/login`` (OIDC third-party login) and ``/lti/launch``.

The browser is tied to its login by a state cookie (``lti_state_<state>``) or, when the
platform offers it (``lti_storage_target``) and the cookie is blocked, by LTI Platform
Storage: the state and nonce are put into the platform's storage at login and read back at
launch by ``static/lti-storage.js``, which posts them to ``/lti/launch/verify``. When neither
works the user gets an "Open in a new window" page. After the launch, identity travels in the
signed launch token, never in cookies.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from werkzeug.wrappers import Response as BaseResponse

from lti_tool.auth import issue_token, launch_required
from lti_tool.db import commit_without_waiting_for_disk, current_settings, get_session
from lti_tool.errors import N_
from lti_tool.features.activity import controllers as activity
from lti_tool.logs import log_event
from lti_tool.lti.claims import DEEP_LINKING_REQUEST
from lti_tool.lti.context import LaunchContext
from lti_tool.lti.errors import (
    InvalidLaunchMessageError,
    LaunchError,
    LaunchStateError,
)
from lti_tool.lti.launch import (
    build_context,
    check_launch,
    is_our_url,
    known_platform,
    raise_replay,
)
from lti_tool.lti.launch_state import (
    DatabaseStore,
    LaunchStore,
    LoginState,
    begin_login,
    consume_nonce_for_page,
    find_login,
    make_store,
    nonce_used,
)
from lti_tool.lti.oidc import authentication_request_url
from lti_tool.views import deep_linking

bp = Blueprint("launch", __name__, url_prefix="/lti")

_STATE_CHARS = re.compile(r"[A-Za-z0-9_-]{16,128}")

STATE_COOKIE = "lti_state_"
#: The same state without SameSite=None, for clients that drop or mishandle SameSite=None
#: cookies (older Safari; HTTP clients that send Secure cookies only over https).
LEGACY_STATE_COOKIE = "lti_state_legacy_"
COOKIE_PATH = "/lti/"
#: Login parameters kept to restart the login in a new window when cookies are blocked.
LOGIN_PARAMS = (
    "iss",
    "login_hint",
    "target_link_uri",
    "lti_message_hint",
    "client_id",
    "lti_deployment_id",
)


def _store() -> LaunchStore:
    # Bound to the request's session: the store's writes join the request's one commit.
    return make_store(current_settings(), get_session())


#: Hosts browsers treat as secure contexts even over http, so they accept Secure cookies.
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _secure() -> bool:
    """Whether the state cookie can be ``Secure; SameSite=None`` (needed to come along on the
    LMS's cross-site launch POST): behind TLS (ProxyFix makes request.is_secure true behind a
    proxy), or on a loopback base URL, where browsers accept Secure cookies over plain http."""
    base = urlsplit(current_settings().base_url)
    return request.is_secure or base.scheme == "https" or base.hostname in _LOOPBACK


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _login_url(login: LoginState) -> str:
    return f"{current_settings().base_url}/lti/login?{urlencode(login.login_params)}"


@bp.route("/login", methods=["GET", "POST"])
def login() -> BaseResponse:
    """OIDC login initiation: remember state and nonce, send the browser to the platform."""
    params = request.values
    issuer = params.get("iss", "").strip()
    if not issuer:
        raise LaunchError(
            N_(
                "The LMS started a login without saying who it is (no 'iss' parameter). Check "
                "that the tool's login URL in the LMS is Peerloop's /lti/login."
            ),
            code="login_missing_iss",
        )
    if not params.get("login_hint"):
        raise LaunchError(
            N_("The LMS started a login without a login_hint, which LTI 1.3 requires."),
            code="login_missing_login_hint",
        )
    target = params.get("target_link_uri", "")
    if not is_our_url(target, current_settings()):
        raise InvalidLaunchMessageError(
            N_(
                "The LMS asked to open %(target)s, which is not Peerloop at %(base_url)s. "
                "Check the tool URL configured in the LMS."
            ),
            code="target_link_uri_foreign",
            params={"target": repr(target), "base_url": current_settings().base_url},
        )
    platform = known_platform(get_session(), issuer, params.get("client_id") or None)
    storage_target = params.get("lti_storage_target") or None
    ttl = current_settings().launch_state_ttl_seconds
    store = _store()
    state = begin_login(
        store,
        ttl,
        issuer=platform.issuer,
        client_id=platform.client_id,
        storage_target=storage_target,
        login_params={
            k: params[k]
            for k in LOGIN_PARAMS
            if params.get(k) and params[k].isprintable() and len(params[k]) <= 2048
        },
    )
    auth_url = authentication_request_url(
        platform,
        state,
        redirect_uri=f"{current_settings().base_url}/lti/launch",
        login_hint=params["login_hint"],
        lti_message_hint=params.get("lti_message_hint") or None,
    )
    log_event(
        "lti_login",
        issuer=platform.issuer,
        client_id=platform.client_id,
        platform_storage=bool(storage_target),
    )
    response: BaseResponse
    if storage_target:
        response = make_response(
            render_template(
                "launch/storage_put.html",
                auth_url=auth_url,
                state=state,
                target=storage_target,
                platform_origin=_origin(platform.auth_login_url),
            )
        )
    else:
        response = redirect(auth_url, code=302)
    _set_state_cookies(response, state.state, ttl)
    session = get_session()
    if isinstance(store, DatabaseStore):
        # The login's state, which a database crash may lose (its launch is then refused as
        # unknown and opened again): its commit need not wait for the disk.
        commit_without_waiting_for_disk(session)
    session.commit()  # the login's one commit
    return response


def _set_state_cookies(response: BaseResponse, state: str, ttl: int) -> None:
    secure = _secure()
    response.set_cookie(
        STATE_COOKIE + state,
        state,
        max_age=ttl,
        path=COOKIE_PATH,
        secure=secure,
        httponly=True,
        # The launch is a cross-site POST from the LMS: only SameSite=None cookies come along,
        # and browsers accept those only when Secure.
        samesite="None" if secure else "Lax",
    )
    if secure:
        https = request.is_secure or current_settings().base_url.startswith("https://")
        response.set_cookie(
            LEGACY_STATE_COOKIE + state,
            state,
            max_age=ttl,
            path=COOKIE_PATH,
            secure=https,
            httponly=True,
        )


def _has_state_cookie(state: str) -> bool:
    return state in (
        request.cookies.get(STATE_COOKIE + state),
        request.cookies.get(LEGACY_STATE_COOKIE + state),
    )


def _login_for(state: str, store: LaunchStore) -> LoginState:
    if not state:
        raise LaunchStateError(
            N_(
                "The LMS's launch has no 'state' parameter, so it cannot be matched to the "
                "login that started it. Open the activity again from your LMS."
            ),
            code="state_missing",
        )
    # Our states are URL-safe base64; anything else (a NUL, a megabyte) is not one of ours.
    login = find_login(store, state) if _STATE_CHARS.fullmatch(state) else None
    if login is None:
        raise LaunchStateError(
            N_(
                "The launch's state was not issued by Peerloop, or its login started more than "
                "%(minutes)s minutes ago. Open the activity again from your LMS."
            ),
            code="state_mismatch",
            params={"minutes": current_settings().launch_state_ttl_seconds // 60},
        )
    return login


def _platform_error() -> None:
    error = request.form.get("error")
    if error:
        description = request.form.get("error_description") or "no description"
        raise LaunchError(
            N_(
                "The LMS refused to launch Peerloop: %(error)s (%(description)s). If you are "
                "signed out of the LMS, sign in and open the activity again."
            ),
            code="platform_refused_login",
            params={"error": error, "description": description},
        )


@bp.post("/launch")
# A placement's own link (``lti.placement_links``): Chamilo posts the id_token to the link's URL.
# The key in this path is not read: the launch's signed target_link_uri names the placement.
@bp.post("/launch/p/<key>")
def launch(key: str | None = None) -> BaseResponse:
    """The platform's form POST with the id_token."""
    _platform_error()
    store = _store()
    state = request.form.get("state", "")
    id_token = request.form.get("id_token", "")
    login = _login_for(state, store)
    if not id_token:
        raise InvalidLaunchMessageError(
            N_("The LMS's launch has no id_token. Check that the LMS is set up for LTI 1.3."),
            code="id_token_missing",
        )
    if not _has_state_cookie(state):
        # The launch deletes its state cookie: a re-posted id_token (a reload of the POST)
        # comes without it, and must hear that it was used, not that cookies are blocked.
        if nonce_used(store, login.nonce):
            raise_replay()
        if login.storage_target:
            # The cookie was blocked; the platform's storage holds the state instead.
            return make_response(
                render_template(
                    "launch/storage_get.html",
                    state=login,
                    id_token=id_token,
                    target=login.storage_target,
                    platform_origin=_origin(_auth_origin(login)),
                    login_url=_login_url(login),
                )
            )
        return _cookies_blocked(login)
    return _complete(store, login, id_token)


@bp.post("/launch/verify")
def verify() -> BaseResponse:
    """The launch again, with the state and nonce read back from platform storage."""
    expected = _origin(current_settings().base_url)
    if request.headers.get("Origin") != expected:
        # Only our own storage page may post here: a cross-site form cannot set Origin.
        raise LaunchStateError(
            N_(
                "This launch confirmation did not come from Peerloop's own page. Open the "
                "activity again from your LMS."
            ),
            code="storage_origin",
        )
    store = _store()
    state = request.form.get("state", "")
    login = _login_for(state, store)
    if (
        request.form.get("storage_state") != login.state
        or request.form.get("storage_nonce") != login.nonce
    ):
        raise LaunchStateError(
            N_(
                "The LMS's platform storage did not hold this launch's state, so it cannot be "
                "matched to your browser. Open the activity in a new window from your LMS."
            ),
            code="storage_state_mismatch",
        )
    return _complete(store, login, request.form.get("id_token", ""))


def _auth_origin(login: LoginState) -> str:
    platform = known_platform(get_session(), login.issuer, login.client_id)
    return platform.auth_login_url


def _cookies_blocked(login: LoginState) -> Response:
    message = N_(
        "Your browser blocked the cookie Peerloop needs, and the LMS does not offer platform "
        "storage. Open the activity in a new window."
    )
    log_event(
        "request_refused",
        logging.WARNING,
        code="cookies_blocked",
        status=401,
        path=request.path,
        reason=message,
        issuer=login.issuer,
    )
    html = render_template(
        "launch/new_window.html", message=gettext(message), login_url=_login_url(login)
    )
    return make_response(html, 401)


def landing_page(context: LaunchContext, token: str) -> str:
    """Where a validated launch lands: the picker for deep linking, else the activity."""
    if context.message_type == DEEP_LINKING_REQUEST:
        return deep_linking.picker(context, token)
    return activity.launch_page(context, token)


def _arrive(context: LaunchContext) -> None:
    """What a launch changes, once per launch (a reload of its page changes nothing)."""
    if context.message_type == DEEP_LINKING_REQUEST:
        deep_linking.check_staff(context)
    else:
        activity.arrive(context)


def _complete(store: LaunchStore, login: LoginState, id_token: str) -> BaseResponse:
    session = get_session()
    settings = current_settings()
    # Key sets and their refetch limit in a store of their own transactions: a refused
    # launch (rolled back) must still count towards the limit.
    key_store = make_store(settings, current_app.extensions["peerloop.engine"])
    validated = check_launch(session, store, settings, id_token, login, key_store=key_store)
    context = build_context(validated)
    token = issue_token(context)
    # The nonce consumed and the page id stored in one statement, before anything else of the
    # launch is kept: a replay is refused here, and its transaction keeps nothing.
    page_id = consume_nonce_for_page(
        store, login.nonce, validated.nonce_ttl, token, settings.launch_token_ttl_seconds
    )
    if page_id is None:
        raise_replay()
    log_event(
        "launch_succeeded",
        issuer=context.issuer,
        client_id=context.client_id,
        deployment_id=context.deployment_id,
        message_type=context.message_type,
        roles=list(context.roles),
        context_id=context.context_id,
        launch_id=context.launch_id,
    )
    _arrive(context)
    # The launch's one commit: the nonce and page id, a deployment recorded, the launch's
    # statement.
    session.commit()
    # Post/redirect/get: reloading the page, Back and a second tab open this URL, not the
    # id_token's POST again (whose nonce is spent). The page id rides in the URL because the
    # frame's cookies may be blocked; it stands for the token (see launch_state.put_page).
    response = redirect(url_for("launch.launched", page=page_id), 303)
    for name in (STATE_COOKIE, LEGACY_STATE_COOKIE):
        response.delete_cookie(name + login.state, path=COOKIE_PATH)
    return response


@bp.get("/launched")
@launch_required
def launched(launch: LaunchContext, launch_token: str) -> str:
    """The page a launch redirected to: any number of reloads for the token's lifetime."""
    return landing_page(launch, launch_token)


__all__ = ["bp"]
