"""The office pages: queues with filters, the claim page with its actions and warnings, batch
approval, and evidence photos (served only to users whose area holds the claim). What a user may
do comes from ``can``; these views hold no role or status rule."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hwc.accounts.access import roles_required
from hwc.accounts.models import OFFICE_ROLES
from hwc.audit.models import AuditEvent
from hwc.claims.batch import approve_batch
from hwc.claims.blueprint import bp
from hwc.claims.codes import CodeTypo, InvalidCode, normalise_code
from hwc.claims.deadlines import deadlines, is_late_report, is_overdue
from hwc.claims.evidence import (
    EvidenceNotAllowed,
    delete_evidence,
    evidence_bytes,
    may_change_photo,
)
from hwc.claims.filters import filter_args, parse_filters
from hwc.claims.flags import acknowledge_flags, acknowledged_codes, claim_flags, page_flags
from hwc.claims.forms import BatchApproveForm, CommentForm, ReasonForm, VerifyForm
from hwc.claims.models import Claim, Evidence, Species
from hwc.claims.pricing import claim_schedule, item_rate
from hwc.claims.queues import queue_page, queue_statuses
from hwc.core.form_errors import show_errors
from hwc.extensions import db
from hwc.regions.models import Region
from hwc.workflow.errors import TransitionRefused, WorkflowError
from hwc.workflow.rules import REJECTION_REASONS
from hwc.workflow.service import (
    acts_on_claims,
    allowed_actions,
    can,
    check_transition,
    get_claim,
    open_question,
    perform,
    role_may,
)

ACTION_FORMS = {"verify": VerifyForm, "return": CommentForm, "propose_rejection": ReasonForm,
                "reject": ReasonForm, "send_back": CommentForm, "appeal": CommentForm,
                "withdraw": CommentForm}
# A feature's own operation for a step it extends (issuing a voucher from a budget), called as
# ``perform`` is; a step without an entry goes to ``perform``.
ACTION_OPERATIONS: dict = {}


def scoped_claim(code: str) -> Claim:
    try:
        return get_claim(normalise_code(code), current_user)
    except (WorkflowError, InvalidCode):
        abort(404)


def reason_titles() -> dict[str, str]:
    from hwc.workflow.reasons import reason_title

    return {code: reason_title(code) for code in REJECTION_REASONS}


@bp.get("/queue")
@roles_required(*OFFICE_ROLES)
def queue():
    filters, errors = parse_filters(request.args, current_user)
    claims, next_token = queue_page(current_user, filters)
    regions = db.session.scalars(Region.subtree(*current_user.scope_regions)).all()
    args = filter_args(request.args)
    return render_template(
        "claims/queue.html", claims=claims, filters=filters, errors=errors,
        statuses=queue_statuses(current_user), regions=regions, species=list(Species),
        next_url=url_for("claims.queue", **args, after=next_token) if next_token else None,
        export_args=args, form=BatchApproveForm(), is_overdue=is_overdue,
        waiting_on_me=acts_on_claims(current_user),
        row_flags=page_flags(claims, viewer=current_user),
        can_batch_approve=role_may(current_user, "approve"),
        batchable={claim.id for claim in claims if can(current_user, "batch_approve", claim)})


@bp.post("/queue/approve")
def batch_approve():
    """Approve the selected claims one by one: a claim that fails a guard, or has warnings
    nobody acknowledged, does not stop the others, and each one's result is reported."""
    if not role_may(current_user, "approve"):
        abort(403)
    form = BatchApproveForm()
    if not form.validate_on_submit():
        abort(400)
    results = approve_batch(request.form.getlist("codes"), actor=current_user)
    return render_template("claims/batch_result.html", results=results)


@bp.get("/claims/<code>")
def claim_page(code):
    try:
        normalised = normalise_code(code)
    except CodeTypo:
        flash(_("This code has a typing mistake: please check it."), "error")
        abort(404)
    except InvalidCode:
        abort(404)
    if normalised != code:
        return redirect(url_for("claims.claim_page", code=normalised))
    claim = scoped_claim(code)
    return render_claim(claim)


def render_claim(claim: Claim, forms: dict | None = None, status: int = 200):
    actions = allowed_actions(claim, current_user)
    forms = forms or {}
    for action in actions:
        if action not in forms:
            form_class = ACTION_FORMS.get(action, CommentForm)
            forms[action] = form_class(prefix=action, version=claim.version)
    if "verify" in forms:
        fit_assessment_rows(forms["verify"], claim)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.claim_id == claim.id)
                                .order_by(AuditEvent.seq)).all()
    return render_template(
        "claims/claim.html", claim=claim, actions=actions, forms=forms, events=events,
        flags=claim_flags(claim, viewer=current_user), acknowledged=acknowledged_codes(claim),
        may_acknowledge=can(current_user, "acknowledge_flags", claim),
        deadlines=deadlines(claim),
        overdue=is_overdue(claim),
        late_report=is_late_report(claim), schedule=claim_schedule(claim), item_rate=item_rate,
        reasons=reason_titles(), question=open_question(claim),
        changeable_photos=changeable_photos(claim)), status


def changeable_photos(claim: Claim) -> set[int]:
    """The ids of the claim's photos the viewer may delete or caption."""
    return {photo.id for photo in claim.evidence if may_change_photo(current_user, photo)}


@bp.post("/claims/<code>/acknowledge-flags")
def acknowledge(code):
    """Record that the user has looked at the warnings the page showed them."""
    claim = scoped_claim(code)
    try:
        done = acknowledge_flags(claim, request.form.getlist("flags"), actor=current_user)
    except WorkflowError as error:
        abort(error.status)
    if done:
        flash(_("The warnings are acknowledged."), "success")
    return redirect(url_for("claims.claim_page", code=claim.code))


def fit_assessment_rows(form, claim: Claim) -> None:
    """One assessment row per loss item: rows a tampered form added are dropped (the workflow
    has already refused them), and missing ones start from the item's quantity and value."""
    while len(form.rows) > len(claim.items):
        form.rows.pop_entry()
    for item in claim.items[len(form.rows):]:
        form.rows.append_entry({
            "quantity": str((item.assessed_quantity or item.quantity).normalize()),
            "unit_value": str(item.unit_value) if item.unit_value else ""})


@bp.post("/claims/<code>/act/<action>")
def act(code, action):
    claim = scoped_claim(code)
    form_class = ACTION_FORMS.get(action, CommentForm)
    form = form_class(prefix=action)
    if not form.validate_on_submit():
        explain_unavailable(claim, action)
        return render_claim(claim, {action: form}, 422)
    data = {}
    if action == "verify":
        data["findings"] = form.findings.data or ""
        data["assessed"] = [{"index": i, "quantity": row.form.quantity.data or None,
                             "unit_value": row.form.unit_value.data or None}
                            for i, row in enumerate(form.rows)]
    if hasattr(form, "reason"):
        data["reason"] = form.reason.data
    for name in getattr(form, "data_fields", ()):  # a feature's own step (paying: how, when)
        data[name] = form[name].data
    posted_version = form.version.data or ""
    # A form that cannot say which version of the claim it was made from counts as out of date.
    version = int(posted_version) if posted_version.isascii() and posted_version.isdigit() else 0
    try:
        ACTION_OPERATIONS.get(action, perform)(claim, action, actor=current_user,
                                               version=version,
                                               comment=form.comment.data or "", **data)
    except WorkflowError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        flash(error.message, "error")
        show_errors(form, error.errors, {"assessed": "rows"})
        claim = scoped_claim(code)
        return render_claim(claim, {action: form}, error.status if error.status != 404 else 422)
    flash(_("Done: the claim is now “%(status)s”.", status=claim.status.title), "success")
    return redirect(url_for("claims.claim_page", code=claim.code))


def explain_unavailable(claim: Claim, action: str) -> None:
    """Flash why ``action`` cannot be taken now: the page shows no form for it, so the errors
    of the form that was posted would otherwise go unseen (a stale tab, a crafted post)."""
    try:
        check_transition(claim, action, current_user)
    except TransitionRefused:
        return  # possible once the form is right: its errors show beside its fields
    except WorkflowError as error:
        if error.status == 404:
            abort(404)
        flash(error.message, "error")


def claim_evidence(claim: Claim, evidence_id: int) -> Evidence:
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or evidence.claim_id != claim.id:
        abort(404)
    return evidence


@bp.get("/claims/<code>/evidence/<int:evidence_id>")
def evidence_file(code, evidence_id):
    claim = scoped_claim(code)
    evidence = claim_evidence(claim, evidence_id)
    data = evidence_bytes(evidence, viewer=current_user, thumb=bool(request.args.get("thumb")))
    return Response(data, mimetype="image/jpeg", headers={"Cache-Control": "private, no-store"})


@bp.post("/claims/<code>/evidence/<int:evidence_id>/delete")
def delete_photo(code, evidence_id):
    """Delete a photo (the filing officer's before submission, a verifier's own while
    verifying); back to the filing's photos step when posted from there (``back=filing``)."""
    claim = scoped_claim(code)
    try:
        delete_evidence(claim_evidence(claim, evidence_id), actor=current_user)
    except EvidenceNotAllowed:
        db.session.rollback()
        message = _("This photo can no longer be changed.")
        return render_template("errors/error.html", code=403, message=message), 403
    flash(_("The photo was deleted."), "success")
    if request.form.get("back") == "filing":
        return redirect(url_for("claims.file_step", client_uuid=claim.client_uuid,
                                step="photos"))
    return redirect(url_for("claims.claim_page", code=claim.code))
