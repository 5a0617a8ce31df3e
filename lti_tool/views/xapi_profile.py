"""Placeholder blueprint; filled by its feature."""

from flask import Blueprint

bp = Blueprint("xapi_profile", __name__)
