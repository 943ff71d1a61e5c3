"""The village officer's tablet pages: my claims, and filing a claim step by step."""

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, select

from hwc.accounts.access import roles_required
from hwc.accounts.models import Role
from hwc.claims.blueprint import bp
from hwc.claims.codes import InvalidCode, normalise_code
from hwc.claims.evidence import EvidenceNotAllowed, EvidenceRejected, add_evidence
from hwc.claims.filing import (
    STEPS,
    check_client_uuid,
    filing_for_claim,
    get_filing,
    officer_villages,
    save_claimant,
    save_incident,
    save_losses,
    start_filing,
    unfinished_filings,
)
from hwc.claims.forms import (
    ClaimantStepForm,
    IncidentStepForm,
    LossesStepForm,
    PhotosStepForm,
    SubmitForm,
)
from hwc.claims.models import Claim, Claimant, ClaimStatus, FilingDraft
from hwc.claims.operations import IdempotencyConflict
from hwc.claims.pricing import claim_schedule, item_rate
from hwc.claims.validation import ClaimValidationError, phone_example
from hwc.core.choices import choices
from hwc.core.db import local_date
from hwc.core.form_errors import show_errors
from hwc.core.transaction import keep_on_error
from hwc.extensions import db
from hwc.regions.models import Region
from hwc.workflow.errors import ClaimNotFound, WorkflowError
from hwc.workflow.rules import EDITABLE_STATUSES
from hwc.workflow.service import claims_in_scope, get_claim, open_question, perform

OFFICER = Role.village_officer


@bp.get("/mine")
@roles_required(OFFICER)
def my_claims():
    """The officer's claims, those waiting on the officer (returned, drafts) first."""
    waiting_first = case((Claim.status == ClaimStatus.returned, 0),
                         (Claim.status == ClaimStatus.draft, 1), else_=2)
    claims = db.session.scalars(claims_in_scope(current_user).order_by(
        waiting_first, Claim.updated_at.desc()).limit(200)).all()
    return render_template("claims/mine.html", claims=claims,
                           filings=unfinished_filings(current_user))


@bp.route("/file/new", methods=["GET", "POST"])
@roles_required(OFFICER)
def new_filing():
    """Open a filing at a fresh client UUID (or the one asked for: a retried request opens the
    same). Nothing is written until the first step is saved, so a GET changes nothing."""
    requested = request.values.get("client_uuid")
    try:
        client_uuid = uuid.UUID(requested) if requested else uuid.uuid4()
    except ValueError:
        abort(400)
    if get_filing(client_uuid, current_user) is None:
        try:
            check_client_uuid(client_uuid, current_user)
        except IdempotencyConflict:
            return uuid_taken()
    return redirect(url_for("claims.file_step", client_uuid=client_uuid, step="claimant"))


def uuid_taken():
    """The answer to a client UUID that belongs to someone else: it reveals nothing of theirs."""
    message = _("This filing belongs to someone else. Start a new claim.")
    return render_template("errors/error.html", code=409, message=message), 409


@bp.post("/claims/<code>/edit")
@roles_required(OFFICER)
def edit_claim(code):
    try:
        draft = filing_for_claim(officer_claim(code), current_user)
    except ClaimNotFound:
        abort(404)
    return redirect(url_for("claims.file_step", client_uuid=draft.client_uuid, step="losses"))


def officer_claim(code: str) -> Claim:
    try:
        return get_claim(normalise_code(code), current_user)
    except (ClaimNotFound, InvalidCode):
        abort(404)


def load_filing(client_uuid: str, step: str):
    """The officer's filing, its editability, and None — or a response to send instead: a new
    filing is shown unsaved at its first step; someone else's UUID is refused."""
    try:
        parsed = uuid.UUID(client_uuid)
    except ValueError:
        abort(404)
    draft = get_filing(parsed, current_user)
    if draft is None:
        try:
            check_client_uuid(parsed, current_user)
        except IdempotencyConflict:
            return None, False, uuid_taken()
        if step != "claimant":
            return None, False, redirect(url_for("claims.file_step", client_uuid=parsed,
                                                 step="claimant"))
        # Not saved until the officer saves the first step.
        return FilingDraft(client_uuid=parsed, officer_id=current_user.id, data={}), True, None
    if draft.claim is not None and draft.claim.status not in EDITABLE_STATUSES:
        return draft, False, None
    return draft, True, None


def local_parts(iso_text: str | None):
    if not iso_text:
        return None, None
    try:
        moment = datetime.fromisoformat(iso_text)
        local = moment.astimezone(ZoneInfo(current_app.config["HWC_TIMEZONE"]))
    except (ValueError, TypeError, OverflowError):
        # A draft saved before incident times were bounded (year 1) shows empty fields.
        return None, None
    return local.date(), local.time().replace(second=0, microsecond=0)


@bp.route("/file/<client_uuid>/<step>", methods=["GET", "POST"])
@roles_required(OFFICER)
def file_step(client_uuid, step):
    if step not in STEPS:
        abort(404)
    draft, editable, answer = load_filing(client_uuid, step)
    if answer is not None:
        return answer
    if not editable:
        return redirect(url_for("claims.claim_page", code=draft.claim.code))
    if step in ("photos", "review") and draft.claim is None:
        return redirect(url_for("claims.file_step", client_uuid=client_uuid, step="losses"))
    handler = {"claimant": claimant_step, "incident": incident_step, "losses": losses_step,
               "photos": photos_step, "review": review_step}[step]
    return handler(draft)


def render_step(draft, step, form, status=200, **context):
    question = open_question(draft.claim) if draft.claim is not None else None
    return render_template(f"claims/file_{step}.html", draft=draft, step=step, steps=STEPS,
                           form=form, claim=draft.claim, question=question, **context), status


def next_step(draft, step):
    following = STEPS[STEPS.index(step) + 1]
    return redirect(url_for("claims.file_step", client_uuid=draft.client_uuid, step=following))


def claimant_step(draft):
    villages = officer_villages(current_user)
    form = ClaimantStepForm()
    form.village.choices = choices((v.code, v.display_name()) for v in villages)
    claimants = db.session.scalars(select(Claimant).where(
        Claimant.village_id.in_([v.id for v in villages])).order_by(Claimant.name)).all()
    form.existing.choices = choices([("", _("— a new claimant —"))] + [
        (c.id, f"{c.name} · {c.phone}") for c in claimants])
    form.language.choices = choices(language_choices())
    data = draft.data or {}
    if request.method == "GET":
        saved = data.get("claimant", {})
        form.village.data = data.get("village") or (villages[0].code if villages else "")
        form.name.data, form.phone.data = saved.get("name"), saved.get("phone")
        form.language.data = saved.get("language") or current_user.language
        form.id_number.data = saved.get("id_number")
        form.bank_account.data = saved.get("bank_account")
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_step(draft, "claimant", form, status, villages_locked=draft.claim
                           is not None, phone_example=phone_example(village_shown(form)))
    claimant = {"name": form.name.data, "phone": form.phone.data,
                "language": form.language.data, "id_number": form.id_number.data,
                "bank_account": form.bank_account.data}
    if form.existing.data:
        chosen = next((c for c in claimants if str(c.id) == form.existing.data), None)
        if chosen is not None:
            claimant = {"name": chosen.name, "phone": chosen.phone, "language": chosen.language,
                        "id_number": form.id_number.data or chosen.id_number,
                        "bank_account": form.bank_account.data or chosen.bank_account}
    try:
        if draft.id is None:
            draft = start_filing(current_user, draft.client_uuid)
        save_claimant(draft, form.village.data, claimant, actor=current_user)
    except IdempotencyConflict:
        db.session.rollback()
        return uuid_taken()
    except ClaimValidationError as error:
        db.session.rollback()
        show_errors(form, error.errors, {
            "village": "village", "claimant.name": "name", "claimant.phone": "phone",
            "claimant.language": "language", "claimant.id_number": "id_number",
            "claimant.bank_account": "bank_account"})
        return render_step(draft, "claimant", form, 422,
                           phone_example=phone_example(village_shown(form)))
    return next_step(draft, "claimant")


def village_shown(form) -> Region | None:
    """The village the claimant step names (its phone example is of that country)."""
    return Region.by_code(form.village.data) if form.village.data else None


def language_choices():
    from hwc.core.i18n import language_names

    return language_names()


def incident_step(draft):
    form = IncidentStepForm()
    saved = (draft.data or {}).get("incident", {})
    if request.method == "GET":
        form.occurred_date.data, form.occurred_time.data = local_parts(saved.get("occurred_at"))
        form.species.data = saved.get("species")
        for name in ("lat", "lon", "accuracy"):
            if saved.get(name) not in (None, ""):
                getattr(form, name).data = saved[name]
        form.narrative.data = saved.get("narrative")
    if not form.validate_on_submit():
        return render_step(draft, "incident", form, 422 if request.method == "POST" else 200)
    zone = ZoneInfo(current_app.config["HWC_TIMEZONE"])
    occurred = datetime.combine(form.occurred_date.data, form.occurred_time.data, zone)
    incident = {"occurred_at": occurred.isoformat(), "species": form.species.data,
                "lat": str(form.lat.data) if form.lat.data is not None else None,
                "lon": str(form.lon.data) if form.lon.data is not None else None,
                "accuracy": str(form.accuracy.data) if form.accuracy.data is not None else None,
                "narrative": form.narrative.data or ""}
    try:
        save_incident(draft, incident, actor=current_user)
    except ClaimValidationError as error:
        db.session.rollback()
        show_errors(form, error.errors, {
            "incident.occurred_at": "occurred_date", "incident.species": "species",
            "incident.lat": "lat", "incident.lon": "lon", "incident.accuracy": "accuracy",
            "incident.narrative": "narrative"})
        return render_step(draft, "incident", form, 422)
    return next_step(draft, "incident")


LOSS_FIELDS = ("kind", "category", "condition", "quantity", "unit", "claimed_value",
               "damage_share")


def losses_step(draft):
    form = LossesStepForm()
    if request.method == "GET":
        saved = (draft.data or {}).get("losses") or [
            {"kind": "livestock", "condition": "dead", "unit": "head"}]
        while len(form.rows) < len(saved):
            form.rows.append_entry()
        for row, values in zip(form.rows, saved, strict=False):
            for name in LOSS_FIELDS:
                row.form[name].data = values.get(name) or ""
    rows = [row for row in form.rows if not row.form.remove.data]
    if request.method == "POST" and "add_row" in request.form:
        form.rows.append_entry()
        return render_step(draft, "losses", form, rates=rate_hints(draft))
    if not form.validate_on_submit():
        return render_step(draft, "losses", form, 422 if request.method == "POST" else 200,
                           rates=rate_hints(draft))
    losses = [{name: (row.form[name].data or None) for name in LOSS_FIELDS} for row in rows]
    try:
        save_losses(draft, losses, actor=current_user)
    except IdempotencyConflict:
        db.session.rollback()
        return uuid_taken()
    except ClaimValidationError as error:
        db.session.rollback()
        show_errors(form, error.errors, {"losses": rows})
        return render_step(draft, "losses", form, 422, rates=rate_hints(draft))
    return next_step(draft, "losses")


def rate_hints(draft) -> dict:
    """The schedule's rate for each category, shown beside the loss rows."""
    village = Region.by_code((draft.data or {}).get("village", ""))
    if village is None:
        return {}
    from hwc.rates.service import schedule_for

    schedule = schedule_for(village, local_date(datetime.now(ZoneInfo("UTC"))))
    if schedule is None:
        return {}
    from hwc.claims import rate_text

    return {"name": schedule.name,
            "rates": [{"kind": str(r.kind), "category": r.category, "condition": r.condition,
                       "text": _("Rate: %(rate)s", rate=rate_text(
                           r.rate, r.basis, r.cap, r.unit, schedule.currency))}
                      for r in schedule.rates]}


def photos_step(draft):
    form = PhotosStepForm()
    claim = draft.claim
    if form.validate_on_submit():
        files = [f for f in request.files.getlist(form.photos.name) if f and f.filename]
        if not files and "next" in request.form:
            return next_step(draft, "photos")
        added = 0
        for upload in files:
            try:
                add_evidence(claim, upload.read(), actor=current_user,
                             original_name=upload.filename, caption=form.caption.data or "")
                added += 1
            except (EvidenceRejected, EvidenceNotAllowed) as error:
                message = getattr(error, "message", _("You may not add photos now."))
                form.photos.errors = [*form.photos.errors, f"{upload.filename}: {message}"]
        keep_on_error()  # the photos that were accepted stay
        if form.photos.errors:
            return render_step(draft, "photos", form, 422)
        if added:
            flash(_("Photos saved: %(count)d", count=added), "success")
        return redirect(url_for("claims.file_step", client_uuid=draft.client_uuid,
                                step="photos"))
    return render_step(draft, "photos", form, 422 if request.method == "POST" else 200)


def review_step(draft):
    form = SubmitForm()
    claim = draft.claim
    if form.validate_on_submit():
        try:
            perform(claim, "resubmit" if claim.status == ClaimStatus.returned else "submit",
                    actor=current_user)
        except WorkflowError as error:
            db.session.rollback()
            flash(error.message, "error")
            return render_step(draft, "review", form, 422, schedule=claim_schedule(claim),
                               item_rate=item_rate)
        return redirect(url_for("claims.filed", code=claim.code))
    return render_step(draft, "review", form, schedule=claim_schedule(claim),
                       item_rate=item_rate)


@bp.get("/claims/<code>/filed")
@roles_required(OFFICER)
def filed(code):
    """The receipt: the code shown large, to be written on the resident's paper slip."""
    return render_template("claims/filed.html", claim=officer_claim(code))
