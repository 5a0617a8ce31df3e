"""Placeholder blueprint; filled by its feature."""

from flask import Blueprint

bp = Blueprint("registration", __name__)
