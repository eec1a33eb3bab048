"""/api/v1: bearer tokens, JSON, OpenAPI document (placeholder until built)."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
