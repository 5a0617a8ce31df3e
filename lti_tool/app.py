"""The Flask application factory."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from lti_tool import access_log, db, delivery, error_pages, i18n, input_guard, security
from lti_tool.config import Settings
from lti_tool.features.activity.blueprint import bp as activity_bp
from lti_tool.features.reflection.blueprint import bp as reflection_bp
from lti_tool.logs import configure_logging
from lti_tool.views import deep_linking, events, home, launch, registration, xapi_profile

ROOT = Path(__file__).resolve().parent.parent

# Every blueprint, so the URL map has one home: the LTI plumbing, then one per feature.
BLUEPRINTS = (
    home.bp,
    registration.bp,
    launch.bp,
    deep_linking.bp,
    xapi_profile.bp,
    events.bp,
    activity_bp,
    reflection_bp,
)


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app. ``settings`` defaults to the PEERLOOP_* environment variables."""
    settings = settings or Settings()
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "lti_tool" / "static"),
        instance_path=str(Path.cwd() / "instance"),
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        PEERLOOP=settings,
        # Inside an LMS iframe our cookies are third-party: they must be Secure; SameSite=None
        # behind TLS. Launch identity does not depend on them (see lti_tool.auth).
        SESSION_COOKIE_SAMESITE="None" if settings.base_url.startswith("https") else "Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https"),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
    )
    configure_logging(settings.log_level)
    access_log.install_werkzeug_filter()  # the development server's request lines
    if settings.proxy_fix_hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=settings.proxy_fix_hops,
            x_proto=settings.proxy_fix_hops,
            x_host=settings.proxy_fix_hops,
            x_port=settings.proxy_fix_hops,
        )
    db.init_app(app, settings)
    i18n.init_app(app)  # the launch's language, else the browser's, else English
    error_pages.init_app(app)
    input_guard.init_app(app)  # no NUL reaches a view (PostgreSQL text cannot hold one)
    security.init_app(app)  # CSP frame-ancestors, nosniff, referrer policy
    delivery.init_app(app)  # the settings check, and the development worker thread
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    logging.getLogger("peerloop").debug("app created for %s", settings.base_url)
    return app
