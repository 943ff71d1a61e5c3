"""The public notice pages (公示): the list, its printable PDF, objections."""

from flask import Blueprint

bp = Blueprint("notice", __name__, url_prefix="/notice")
