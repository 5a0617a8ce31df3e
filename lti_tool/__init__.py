"""Peerloop's web layer: the Flask app, LTI 1.3, views, CLI."""

from lti_tool.app import create_app

__all__ = ["create_app"]
