"""Placeholder blueprint; filled by its feature."""

from flask import Blueprint

bp = Blueprint("launch", __name__)
