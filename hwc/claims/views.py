"""The office pages: queues with filters, the claim page with its actions, batch approval,
and evidence photos (served only to users whose area holds the claim)."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hwc.accounts.models import Role
from hwc.audit.models import AuditEvent
from hwc.claims.blueprint import bp
from hwc.claims.codes import CodeTypo, InvalidCode, normalise_code
from hwc.claims.deadlines import deadlines, is_late_report, is_overdue
from hwc.claims.evidence import evidence_bytes
from hwc.claims.filters import filter_args, parse_filters
from hwc.claims.flags import claim_flags
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
    allowed_actions,
    check_transition,
    get_claim,
    open_question,
    perform,
)

ACTION_FORMS = {"verify": VerifyForm, "return": CommentForm, "propose_rejection": ReasonForm,
                "reject": ReasonForm, "send_back": CommentForm, "appeal": CommentForm,
                "withdraw": CommentForm}


def scoped_claim(code: str) -> Claim:
    try:
        return get_claim(normalise_code(code), current_user)
    except (WorkflowError, InvalidCode):
        abort(404)


def reason_titles() -> dict[str, str]:
    from hwc.workflow.reasons import reason_title

    return {code: reason_title(code) for code in REJECTION_REASONS}


@bp.get("/queue")
def queue():
    if current_user.role == Role.village_officer:
        return redirect(url_for("claims.my_claims"))
    filters, errors = parse_filters(request.args, current_user)
    claims, next_token = queue_page(current_user, filters)
    regions = db.session.scalars(Region.subtree(*current_user.scope_regions)).all()
    args = filter_args(request.args)
    return render_template(
        "claims/queue.html", claims=claims, filters=filters, errors=errors,
        statuses=queue_statuses(current_user), regions=regions, species=list(Species),
        next_url=url_for("claims.queue", **args, after=next_token) if next_token else None,
        export_args=args, form=BatchApproveForm(), is_overdue=is_overdue,
        can_batch_approve=current_user.role == Role.approver)


@bp.post("/queue/approve")
def batch_approve():
    """Approve the selected claims one by one: a claim that fails a guard does not stop the
    others, and each one's result is reported."""
    if current_user.role != Role.approver:
        abort(403)
    form = BatchApproveForm()
    if not form.validate_on_submit():
        abort(400)
    results = []
    for code in request.form.getlist("codes")[:200]:
        try:
            claim = get_claim(normalise_code(code), current_user)
            with db.session.begin_nested():
                perform(claim, "approve", actor=current_user)
            results.append((claim.display_code, True, claim.status.title))
        except (WorkflowError, InvalidCode) as error:
            results.append((code, False, getattr(error, "message", "") or _("Not found.")))
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
        flags=claim_flags(claim, viewer=current_user), deadlines=deadlines(claim),
        overdue=is_overdue(claim),
        late_report=is_late_report(claim), schedule=claim_schedule(claim), item_rate=item_rate,
        reasons=reason_titles(), question=open_question(claim)), status


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
    posted_version = form.version.data or ""
    # A form that cannot say which version of the claim it was made from counts as out of date.
    version = int(posted_version) if posted_version.isascii() and posted_version.isdigit() else 0
    try:
        perform(claim, action, actor=current_user, version=version,
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


@bp.get("/claims/<code>/evidence/<int:evidence_id>")
def evidence_file(code, evidence_id):
    claim = scoped_claim(code)
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or evidence.claim_id != claim.id:
        abort(404)
    data = evidence_bytes(evidence, viewer=current_user, thumb=bool(request.args.get("thumb")))
    return Response(data, mimetype="image/jpeg", headers={"Cache-Control": "private, no-store"})
