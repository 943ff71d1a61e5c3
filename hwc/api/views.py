"""The v1 routes. Each parses its input, calls one operation and answers with JSON."""

from flask import Blueprint, Response, current_app, g, jsonify, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from hwc.accounts.operations import authenticate
from hwc.api import serializers as out
from hwc.api.auth import authenticate_request, issue_token, revoke_token
from hwc.api.openapi import MAX_PAGE, openapi_document
from hwc.api.problems import ApiProblem, init_blueprint
from hwc.claims.codes import CodeTypo, InvalidCode, normalise_code
from hwc.claims.evidence import (
    EvidenceNotAllowed,
    EvidenceRejected,
    add_evidence,
    evidence_bytes,
)
from hwc.claims.filters import apply_filters, parse_filters
from hwc.claims.models import Claim, Evidence
from hwc.claims.operations import (
    ClaimLocked,
    IdempotencyConflict,
    NotAllowed,
    create_claim,
    update_claim,
)
from hwc.claims.photos import PhotosBusy
from hwc.claims.validation import ClaimValidationError, parse_claim_changes, parse_claim_input
from hwc.core.transaction import keep_on_error
from hwc.extensions import csrf, db, limiter
from hwc.regions.models import Region
from hwc.vouchers.operations import (
    get_voucher,
    issue_voucher,
    record_payment,
    void_voucher,
)
from hwc.vouchers.printing import voucher_pdf as printed_voucher
from hwc.workflow.errors import WorkflowError
from hwc.workflow.rules import ACTION_FIELDS, ACTIONS
from hwc.workflow.service import (
    can,
    check_transition,
    claims_in_scope,
    get_claim,
    perform,
    role_may,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
init_blueprint(bp)

PUBLIC = {"api.token", "api.public_status", "api.openapi"}
PAGE_SIZE = 50
CLAIM_SECTIONS = ("claimant", "incident", "losses")  # what a resubmission may change


@bp.before_request
def require_token():
    if request.endpoint not in PUBLIC:
        authenticate_request()


@bp.after_request
def never_stored(response):
    """Answers carry personal data: no cache keeps them. (The request's transaction is settled
    once, for pages and the API alike: ``hwc.core.transaction``.)"""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def json_body() -> dict:
    """The request's JSON object, or a 400 problem. A body that is malformed or over the edge's
    bounds (``hwc.core.edge``) is refused with its own message before it gets here."""
    body = request.get_json(silent=not request.is_json)
    if not isinstance(body, dict):
        raise ApiProblem(400, _("The request body must be a JSON object."), kind="bad-json")
    return body


def claim_code(text: str) -> str:
    try:
        return normalise_code(text)
    except CodeTypo:
        raise ApiProblem(422, _("This code has a typing mistake: please check it."),
                         kind="code-typo") from None
    except InvalidCode:
        raise ApiProblem(404, _("No such claim in your area."), kind="not-found") from None


def scoped_claim(code: str) -> Claim:
    try:
        return get_claim(claim_code(code), g.api_user)
    except WorkflowError as error:
        raise ApiProblem(error.status, error.message, kind="not-found") from None


def require_filer() -> None:
    """Only a role that files claims creates them (refused before the body is read)."""
    if not role_may(g.api_user, "submit"):
        raise ApiProblem(403, _("Your role may not do this."), kind="forbidden")


@bp.post("/token")
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
def token():
    body = json_body()
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise ApiProblem(401, _("The username or password is not correct."),
                         kind="bad-credentials")
    result = authenticate(username, password, address=request.remote_addr)
    if not result.ok:
        keep_on_error()  # the failure count must stick
        if result.wait_seconds:
            raise ApiProblem(429, _("Too many failed attempts. Please wait and try again."),
                             kind="locked", headers={"Retry-After": str(result.wait_seconds)})
        raise ApiProblem(401, _("The username or password is not correct."),
                         kind="bad-credentials")
    value, row = issue_token(result.user)
    return jsonify(token=value, expires_at=out.iso(row.expires_at))


@bp.delete("/token")
def revoke():
    revoke_token(g.api_token)
    return Response(status=204)


@bp.get("/me")
def me():
    return jsonify(out.user_json(g.api_user))


@bp.get("/regions")
def regions():
    rows = db.session.scalars(Region.subtree(*g.api_user.scope_regions)).all()
    return jsonify([out.region_json(region) for region in rows])


@bp.post("/claims")
def create():
    require_filer()
    try:
        data = parse_claim_input(json_body(), g.api_user)
        claim, created = create_claim(data, actor=g.api_user)
    except ClaimValidationError as error:
        raise ApiProblem(422, _("Some fields need correcting."), kind="validation",
                         errors=error.errors) from None
    except NotAllowed:
        raise ApiProblem(403, _("Your role may not do this."), kind="forbidden") from None
    except IdempotencyConflict:
        raise ApiProblem(409, _("This client_uuid is already used. Make a new one for a new "
                                "claim."), kind="client-uuid-taken") from None
    except WorkflowError as error:
        raise ApiProblem(error.status, error.message, kind="not-found") from None
    response = jsonify(out.claim_json(claim, g.api_user))
    response.status_code = 201 if created else 200
    response.headers["Location"] = url_for("api.claim", code=claim.code)
    return response


@bp.get("/claims/<code>")
def claim(code):
    return jsonify(out.claim_json(scoped_claim(code), g.api_user))


@bp.get("/claims")
def claims():
    filters, problems = parse_filters(request.args, g.api_user)
    errors = {name: [message] for name, message in problems.items()}
    query = apply_filters(claims_in_scope(g.api_user), filters, g.api_user)
    if filters.status is not None:
        query = query.where(Claim.status == filters.status)
    page = request.args.get("page", "1")
    if not (page.isascii() and page.isdigit()) or not 1 <= int(page) <= MAX_PAGE:
        errors["page"] = [_("Must be a whole number from 1 to %(max)d.", max=MAX_PAGE)]
    if errors:
        raise ApiProblem(422, _("Some fields need correcting."), kind="validation",
                         errors=errors)
    page = int(page)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Claim.reported_at.desc(), Claim.id.desc())
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return jsonify(items=[out.claim_summary_json(c) for c in rows], page=page,
                   per_page=PAGE_SIZE, total=total)


@bp.post("/claims/<code>/evidence")
def upload_evidence(code):
    claim = scoped_claim(code)
    if not can(g.api_user, "add_evidence", claim):
        raise ApiProblem(403, _("You may not add evidence to this claim now."),
                         kind="forbidden")
    upload = request.files.get("file")
    if upload is None:
        raise ApiProblem(422, _("Some fields need correcting."), kind="validation",
                         errors={"file": [_("Attach the photo in the field “file”.")]})
    try:
        evidence = add_evidence(claim, upload.read(), actor=g.api_user,
                                original_name=upload.filename or "",
                                caption=request.form.get("caption", ""))
    except EvidenceNotAllowed:
        raise ApiProblem(403, _("You may not add evidence to this claim now."),
                         kind="forbidden") from None
    except PhotosBusy as error:
        raise ApiProblem(503, error.message, kind="busy",
                         headers={"Retry-After": "5"}) from None
    except EvidenceRejected as error:
        raise ApiProblem(422, error.message, kind="validation",
                         errors={"file": [error.message]}) from None
    response = jsonify(out.evidence_json(evidence))
    response.status_code = 201
    return response


@bp.get("/claims/<code>/evidence/<int:evidence_id>")
def evidence_file(code, evidence_id):
    claim = scoped_claim(code)
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or evidence.claim_id != claim.id:
        raise ApiProblem(404, _("No such photo."), kind="not-found")
    return Response(evidence_bytes(evidence, viewer=g.api_user), mimetype=evidence.content_type)


@bp.post("/claims/<code>/transitions")
def transition(code):
    claim = scoped_claim(code)
    body = json_body()
    action, version, comment = body.get("action"), body.get("version"), body.get("comment")
    errors = {}
    if not isinstance(action, str):
        errors["action"] = [_("Must be text.")]
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        errors["version"] = [_("Must be a whole number.")]
    if comment is not None and not isinstance(comment, str):
        errors["comment"] = [_("Must be text.")]
    fields = ACTION_FIELDS.get(action, ()) if isinstance(action, str) else ()
    if action in ACTIONS:
        for key in body.keys() - {"action", "version", "comment", *fields}:
            errors[key] = [_("This action does not take this field.")]
    if errors:
        raise ApiProblem(422, _("Some fields need correcting."), kind="validation",
                         errors=errors)
    data = {key: body[key] for key in fields if key in body and key not in CLAIM_SECTIONS}
    try:
        if action == "resubmit" and any(key in body for key in CLAIM_SECTIONS):
            perform_changes(claim, body)
        perform(claim, action, actor=g.api_user, version=version, comment=comment or "",
                **data)
    except WorkflowError as error:
        raise ApiProblem(error.status, error.message, kind=type(error).__name__,
                         errors=error.errors or None) from None
    except ClaimValidationError as error:
        raise ApiProblem(422, _("Some fields need correcting."), kind="validation",
                         errors=error.errors) from None
    return jsonify(out.claim_json(claim, g.api_user))


def perform_changes(claim: Claim, body: dict) -> None:
    """Apply the changes a resubmission carries, after checking the resubmit is allowed."""
    check_transition(claim, "resubmit", g.api_user)
    try:
        update_claim(claim, parse_claim_changes(body, g.api_user, claim.village),
                     actor=g.api_user)
    except (NotAllowed, ClaimLocked):
        raise ApiProblem(409, _("This claim cannot be changed now."), kind="locked") from None


def scoped_voucher(number: str):
    try:
        return get_voucher(number, g.api_user)
    except WorkflowError as error:
        raise ApiProblem(error.status, error.message, kind="not-found") from None


def voucher_call(operation, *args, **kwargs):
    """Run a voucher operation; its refusals become problems (404, 403, 409, 422)."""
    try:
        return operation(*args, actor=g.api_user, **kwargs)
    except WorkflowError as error:
        raise ApiProblem(error.status, error.message, kind=type(error).__name__,
                         errors=error.errors or None) from None


def only_fields(body: dict, allowed: tuple[str, ...]) -> None:
    errors = {key: [_("This action does not take this field.")]
              for key in body.keys() - set(allowed)}
    for key in allowed:
        if body.get(key) is not None and not isinstance(body[key], str):
            errors[key] = [_("Must be text.")]
    if errors:
        raise ApiProblem(422, _("Some fields need correcting."), kind="validation",
                         errors=errors)


def require_role_for(action: str) -> None:
    """Only a role the table lets take ``action`` goes on (refused before the body is read)."""
    if not role_may(g.api_user, action):
        raise ApiProblem(403, _("Your role may not do this."), kind="forbidden")


@bp.post("/claims/<code>/voucher")
def issue_claim_voucher(code):
    claim = scoped_claim(code)
    require_role_for("issue_voucher")
    voucher = voucher_call(issue_voucher, claim)
    response = jsonify(out.voucher_json(voucher))
    response.status_code = 201
    return response


@bp.get("/vouchers/<number>")
def voucher(number):
    return jsonify(out.voucher_json(scoped_voucher(number)))


@bp.get("/vouchers/<number>.pdf")
def voucher_pdf(number):
    return Response(printed_voucher(scoped_voucher(number)), mimetype="application/pdf")


@bp.post("/vouchers/<number>/payment")
def voucher_payment(number):
    found = scoped_voucher(number)
    require_role_for("record_payment")
    body = json_body()
    only_fields(body, ("method", "reference", "paid_on"))
    voucher_call(record_payment, found, method=body.get("method"),
                 reference=body.get("reference"), paid_on=body.get("paid_on"))
    return jsonify(out.voucher_json(found))


@bp.post("/vouchers/<number>/void")
def voucher_void(number):
    found = scoped_voucher(number)
    require_role_for("void_voucher")
    body = json_body()
    only_fields(body, ("reason",))
    voucher_call(void_voucher, found, reason=body.get("reason") or "")
    return jsonify(out.voucher_json(found))


@bp.get("/status/<code>")
@limiter.limit("30 per minute")
def public_status(code):
    normalised = claim_code(code)
    found = Claim.by_code(normalised)
    if found is None:
        raise ApiProblem(404, _("No claim has this code."), kind="not-found")
    return jsonify(out.public_status_json(found))


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
