"""The claims pages' blueprint; routes live in ``filing_views`` (tablet) and ``views`` (office)."""

from flask import Blueprint

bp = Blueprint("claims", __name__)
