"""The village officer's tablet pages: my claims, and filing a claim step by step."""

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, select

from hwc.accounts.access import roles_required
from hwc.accounts.models import Role
from hwc.claims.blueprint import bp
from hwc.claims.codes import InvalidCode, normalise_code
from hwc.claims.evidence import (
    MAX_CAPTION,
    EvidenceNotAllowed,
    EvidenceRejected,
    add_evidence,
    may_change_photo,
    set_caption,
)
from hwc.claims.filing import (
    STEPS,
    FilingIsAClaim,
    check_client_uuid,
    delete_filing,
    filing_for_claim,
    filing_to_delete,
    filing_village,
    get_filing,
    officer_villages,
    save_claimant,
    save_incident,
    save_losses,
    start_filing,
    unfinished_filings,
)
from hwc.claims.flags import page_flags
from hwc.claims.forms import (
    ClaimantStepForm,
    IncidentStepForm,
    LossesStepForm,
    PhotosStepForm,
    SubmitForm,
)
from hwc.claims.models import Claim, Claimant, FilingDraft
from hwc.claims.operations import IdempotencyConflict
from hwc.claims.pricing import claim_schedule, item_rate
from hwc.claims.validation import ClaimValidationError, phone_example
from hwc.core.choices import choices
from hwc.core.db import local_date, utcnow
from hwc.core.form_errors import show_errors
from hwc.core.transaction import keep_on_error
from hwc.extensions import db
from hwc.losses.vocabulary import vocabulary_at
from hwc.regions.models import Region
from hwc.regions.settings import settings_for
from hwc.workflow.errors import ClaimNotFound, WorkflowError
from hwc.workflow.service import (
    can,
    claims_in_scope,
    get_claim,
    open_question,
    perform,
    waiting_on,
)

OFFICER = Role.village_officer


@bp.get("/mine")
@roles_required(OFFICER)
def my_claims():
    """The officer's claims, those waiting on the officer (returned, drafts) first, each with
    the step the officer is to take next."""
    waiting_first = case((waiting_on(current_user), 0), else_=1)
    claims = db.session.scalars(claims_in_scope(current_user).order_by(
        waiting_first, Claim.updated_at.desc()).limit(200)).all()
    next_steps = {claim.id: step for claim in claims
                  for step in [next((action for action in ("resubmit", "submit")
                                     if can(current_user, action, claim)), None)] if step}
    row_flags = page_flags(claims, viewer=current_user)
    return render_template("claims/mine.html", claims=claims, next_steps=next_steps,
                           row_flags=row_flags, filings=unfinished_filings(current_user))


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


@bp.route("/file/<client_uuid>/delete", methods=["GET", "POST"])
@roles_required(OFFICER)
def delete_filing_page(client_uuid):
    """Asks, then deletes the officer's own unfinished filing. Someone else's is 404 (it
    reveals nothing), one that has become a claim 409: a claim is withdrawn instead."""
    try:
        parsed = uuid.UUID(client_uuid)
    except ValueError:
        abort(404)
    try:
        draft = filing_to_delete(parsed, actor=current_user)
        if request.method == "GET":
            return render_template("claims/delete_filing.html", draft=draft, form=SubmitForm())
        if not SubmitForm().validate_on_submit():
            abort(400)
        delete_filing(parsed, actor=current_user)
    except ClaimNotFound:
        abort(404)
    except FilingIsAClaim:
        message = _("This claim has already been filed, so it cannot be deleted; withdraw it "
                    "on its page instead.")
        return render_template("errors/error.html", code=409, message=message), 409
    flash(_("The unfinished claim was deleted."), "success")
    return redirect(url_for("claims.my_claims"))


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
    if draft.claim is not None and not can(current_user, "edit", draft.claim):
        return draft, False, None
    return draft, True, None


def filing_zone(draft) -> ZoneInfo:
    """The time zone a filing's times are typed in: its village's (before a village is
    chosen, the officer's own region's)."""
    village = Region.by_code((draft.data or {}).get("village") or "")
    return settings_for(village if village is not None else current_user.region).zone


def local_parts(iso_text: str | None, zone: ZoneInfo):
    if not iso_text:
        return None, None
    try:
        moment = datetime.fromisoformat(iso_text)
        local = moment.astimezone(zone)
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
        form.existing.data = str(saved["id"]) if saved.get("id") else ""
        form.different_person.data = bool(saved.get("different_person"))
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_step(draft, "claimant", form, status, villages_locked=draft.claim
                           is not None, phone_example=phone_example(village_shown(form)))
    claimant = {"id": form.existing.data or None, "name": form.name.data,
                "phone": form.phone.data, "language": form.language.data,
                "id_number": form.id_number.data, "bank_account": form.bank_account.data}
    if form.different_person.data:
        claimant["different_person"] = True
    try:
        if draft.id is None:
            draft = start_filing(current_user, draft.client_uuid)
        save_claimant(draft, form.village.data, claimant, actor=current_user)
    except IdempotencyConflict:
        db.session.rollback()
        return uuid_taken()
    except ClaimNotFound:  # a claimant picked outside the officer's area
        db.session.rollback()
        abort(404)
    except ClaimValidationError as error:
        db.session.rollback()
        show_errors(form, error.errors, {
            "village": "village", "claimant.id": "existing", "claimant.name": "name",
            "claimant.phone": "phone", "claimant.language": "language",
            "claimant.id_number": "id_number", "claimant.bank_account": "bank_account",
            "claimant.different_person": "different_person"})
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
    zone = filing_zone(draft)
    if request.method == "GET":
        form.occurred_date.data, form.occurred_time.data = local_parts(saved.get("occurred_at"),
                                                                       zone)
        form.species.data = saved.get("species")
        for name in ("lat", "lon", "accuracy"):
            if saved.get(name) not in (None, ""):
                getattr(form, name).data = saved[name]
        form.narrative.data = saved.get("narrative")
    if not form.validate_on_submit():
        return render_step(draft, "incident", form, 422 if request.method == "POST" else 200,
                           zone=zone)
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
        return render_step(draft, "incident", form, 422, zone=zone)
    return next_step(draft, "incident")


LOSS_FIELDS = ("kind", "category", "condition", "quantity", "unit", "claimed_value",
               "damage_share")


def losses_step(draft):
    form = LossesStepForm()
    vocabulary = vocabulary_at(filing_village(draft))
    if request.method == "GET":
        saved = (draft.data or {}).get("losses") or [
            {"kind": "livestock", "condition": "dead", "unit": "head"}]
        while len(form.rows) < len(saved):
            form.rows.append_entry()
        for row, values in zip(form.rows, saved, strict=False):
            for name in LOSS_FIELDS:
                row.form[name].data = values.get(name) or ""
    form.offer(vocabulary)
    rows = [row for row in form.rows if not row.form.remove.data]
    if request.method == "POST" and "add_row" in request.form:
        form.rows.append_entry()
        form.offer(vocabulary)
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
    village = filing_village(draft)
    if village is None:
        return {}
    from hwc.rates.service import schedule_for

    schedule = schedule_for(village, local_date(utcnow(), settings_for(village).zone))
    if schedule is None:
        return {}
    from hwc.claims import rate_text

    return {"name": schedule.name,
            "rates": [{"kind": str(r.kind), "category": r.category, "condition": r.condition,
                       "text": _("Rate: %(rate)s", rate=rate_text(
                           r.rate, r.basis, r.cap, r.unit, schedule.currency))}
                      for r in schedule.rates]}


def photos_step(draft):
    """Upload photos, give each its own caption, delete one (a button posting to
    ``claims.delete_photo``). Captions are saved with whichever button is pressed; one that is
    refused saves nothing and is shown beside its photo."""
    form = PhotosStepForm()
    claim = draft.claim
    if not form.validate_on_submit():
        return render_photos(draft, form, 422 if request.method == "POST" else 200)
    captioned, caption_errors = save_captions(claim)
    if caption_errors:  # a 422 stores nothing
        return render_photos(draft, form, 422, caption_errors)
    files = [f for f in request.files.getlist(form.photos.name) if f and f.filename]
    if not files and "next" in request.form:
        return next_step(draft, "photos")
    added = 0
    for upload in files:
        try:
            add_evidence(claim, upload.read(), actor=current_user, original_name=upload.filename)
            added += 1
        except (EvidenceRejected, EvidenceNotAllowed) as error:
            message = getattr(error, "message", _("You may not add photos now."))
            form.photos.errors = [*form.photos.errors, f"{upload.filename}: {message}"]
    keep_on_error()  # the photos that were accepted stay, and the captions
    if form.photos.errors:
        return render_photos(draft, form, 422)
    if added:
        flash(_("Photos saved: %(count)d. Give each one a caption below.", count=added),
              "success")
    elif captioned:
        flash(_("Captions saved."), "success")
    return redirect(url_for("claims.file_step", client_uuid=draft.client_uuid,
                            step="photos"))


def save_captions(claim) -> tuple[int, dict[int, str]]:
    """Set the caption of each photo whose ``caption-<id>`` field was posted; returns how many
    changed and the message for each photo whose caption was refused."""
    changed, refused = 0, {}
    for photo in list(claim.evidence):
        posted = request.form.get(f"caption-{photo.id}")
        if posted is None:
            continue
        try:
            changed += set_caption(photo, posted, actor=current_user)
        except EvidenceRejected as error:
            refused[photo.id] = error.message
        except EvidenceNotAllowed:
            refused[photo.id] = _("This photo can no longer be changed.")
    return changed, refused


def render_photos(draft, form, status=200, caption_errors=None):
    claim = draft.claim
    changeable = {photo.id for photo in claim.evidence
                  if may_change_photo(current_user, photo)}
    return render_step(draft, "photos", form, status, changeable_photos=changeable,
                       caption_errors=caption_errors or {}, max_caption=MAX_CAPTION)


def review_step(draft):
    form = SubmitForm()
    claim = draft.claim
    if form.validate_on_submit():
        try:
            perform(claim, "resubmit" if can(current_user, "resubmit", claim) else "submit",
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
