"""Placeholder blueprint; filled by its feature."""

from flask import Blueprint

bp = Blueprint("deep_linking", __name__)
