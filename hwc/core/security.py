"""Deny by default: one allowlist of public endpoints; everything else needs a login. And the
headers every response carries."""

from flask import abort, current_app, redirect, request, session, url_for
from flask_login import current_user

# Endpoints a visitor may open without logging in. Later features add theirs here, and only here.
PUBLIC_ENDPOINTS = {
    "static",
    "accounts.login",
    "core.set_language",
    "core.health",
    "vouchers.verify_page",  # what a voucher's QR code leads to: valid, paid, void or forged
    "vouchers.verify_page_upper",
    "sms.inbound_kannel",  # the gateway: checked by address and shared secret instead
    "sms.delivery",
    "sms.status_page",  # a claim's status by its code, nothing personal
    "sms.phone",  # the phone simulator, with the console backend only
    "notice.index",  # the public notice (公示): masked names, no identity number, phone or account
    "notice.pdf",
    "notice.object_to_claim",
}

# Blueprints that authenticate by their own means (the JSON API's bearer tokens).
SELF_AUTHENTICATING_BLUEPRINTS: set[str] = set()

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
# Sent only when cookies are HTTPS-only (HWC_SECURE_COOKIES), i.e. the site is served over HTTPS.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def require_login():
    if request.endpoint is None:
        return None  # 404 follows
    if request.endpoint in PUBLIC_ENDPOINTS or request.blueprint in SELF_AUTHENTICATING_BLUEPRINTS:
        return None
    if not current_user.is_authenticated:
        if request.method == "GET":
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        abort(401)
    return None


def may_carry_personal_data() -> bool:
    """Whether this response may hold personal data and so must never be stored: anything a
    logged-in user receives (pages, exports, photos) and every API answer; not static files.
    Decided from the session cookie, so an answer that fails half-way is covered too."""
    if request.endpoint == "static":
        return False
    return "_user_id" in session or request.path.startswith("/api/")


def add_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    if may_carry_personal_data():
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app) -> None:
    app.before_request(require_login)
    app.after_request(add_security_headers)
