"""From a voucher to what its PDF shows (``VoucherDocument``), in the office's language and the
payee's, and from there to the PDF."""

from datetime import date
from decimal import Decimal

from babel.numbers import format_decimal
from flask import current_app, request
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from hwc.audit.models import AuditEvent
from hwc.claims import quantity, rate_text
from hwc.claims.models import Claim
from hwc.core.money import currency_places
from hwc.extensions import db
from hwc.losses.vocabulary import category_title, unit_title
from hwc.regions.settings import jurisdiction_of
from hwc.vouchers.document import (
    AmountInWords,
    Label,
    Signatory,
    VoucherDocument,
    VoucherLine,
)
from hwc.vouchers.labels import bilingual_labels
from hwc.vouchers.models import Voucher, VoucherStatus
from hwc.vouchers.pdf import render_voucher_pdf
from hwc.vouchers.signing import qr_text
from hwc.vouchers.words import amount_in_words

WORDS_LANGUAGES = ("zh_Hans", "ru", "ko", "en")  # languages amounts are spelled in


def public_base_url() -> str:
    """Where the verification page is reached from outside: ``HWC_PUBLIC_URL`` when the
    deployment sets it (behind a proxy, on a printed page), else this request's own root."""
    return (current_app.config.get("HWC_PUBLIC_URL") or request.url_root).rstrip("/")


def _both(office: str, payee: str, text_of) -> Label:
    """``text_of()`` evaluated in each language."""
    with force_locale(office):
        first = str(text_of())
    with force_locale(payee):
        second = str(text_of())
    return Label(first, second)


def _in_both(label: Label) -> str:
    return label.office if not label.bilingual else f"{label.office} / {label.payee}"


def _figures(amount, currency: str, language: str) -> str:
    """The amount with the currency's places, grouped as the office writes numbers."""
    places = currency_places(currency)
    pattern = "#,##0." + "0" * places if places else "#,##0"
    return format_decimal(amount, format=pattern, locale=language)


def _moment(moment, claim: Claim) -> str:
    if moment is None:
        return ""
    return moment.astimezone(jurisdiction_of(claim).zone).strftime("%Y-%m-%d %H:%M")


def _signatories(claim: Claim, office: str, payee: str) -> list[Signatory]:
    """Who verified and approved the claim in its last round, and when."""
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.claim_id == claim.id, AuditEvent.action.in_(("verify", "approve")))
        .order_by(AuditEvent.seq)).all()
    last_round = []
    for event in events:
        last_round = [event] if event.action == "verify" else [*last_round, event]
    roles = [_l("Verified by"), _l("Approved by"), _l("Second approval")]
    people = []
    for n, event in enumerate(last_round[:3]):
        name = event.actor.full_name or event.actor.username if event.actor else ""
        people.append(Signatory(_both(office, payee, lambda role=roles[n]: role), name,
                                _moment(event.created_at, claim)))
    return people


def _day_count(detail: list[dict], in_force: str) -> str:
    """The day-count convention the detail's bases show (365 alone fits actual/365 and
    actual/actual outside leap years; then the one in force decides)."""
    bases = {entry["basis"] for entry in detail}
    if 360 in bases:
        return "actual/360"
    if 366 in bases or in_force == "actual/actual":
        return "actual/actual"
    return "actual/365"


def _interest_line(voucher: Voucher, office: str, payee: str) -> Label | None:
    """The line on how the voucher's interest was counted, in both languages."""
    if not voucher.interest or not voucher.interest_detail:
        return None
    claim = voucher.claim
    where = jurisdiction_of(claim)
    first_late = date.fromisoformat(voucher.interest_detail[0]["from"])
    approved_on = claim.approved_at.astimezone(where.zone).date()
    statutory = (first_late - approved_on).days - 1
    rates = []
    for entry in voucher.interest_detail:
        if entry["rate"] not in rates:
            rates.append(entry["rate"])
    day_count = _day_count(voucher.interest_detail, where["interest_day_count"])

    def text():
        shown = " → ".join(format_decimal(Decimal(rate), locale=str(get_locale()))
                           for rate in rates)
        return _("Late-payment interest: %(days)d days after the statutory %(statutory)d "
                 "days, at %(rate)s %% a year (%(day_count)s)", days=voucher.interest_days,
                 statutory=statutory, rate=shown, day_count=day_count)

    return _both(office, payee, text)


def voucher_document(voucher: Voucher) -> VoucherDocument:
    claim = voucher.claim
    claimant = claim.claimant
    office, payee = voucher.office_language, claimant.language
    currency = voucher.currency
    lines = []
    for item in claim.items:
        with force_locale(office):
            rate = rate_text(item.rate_value, item.rate_basis, item.rate_cap, item.rate_unit,
                             currency) if item.rate_value is not None else ""
            unit = unit_title(item.rate_unit or item.unit)
        lines.append(VoucherLine(
            item=_in_both(_both(office, payee, lambda i=item: category_title(i.category,
                                                                                i.kind))),
            quantity=quantity(item.assessed_quantity if item.assessed_quantity is not None
                              else item.quantity),
            unit=unit, rate=rate,
            amount=_figures(item.amount, currency, office) if item.amount is not None else ""))
    languages = [office] + ([payee] if payee != office else [])
    words = [AmountInWords(language, amount_in_words(voucher.amount, currency, language))
             for language in languages if language in WORDS_LANGUAGES]
    village = " · ".join(region.display_name(office)
                         for region in [*claim.village.ancestors(), claim.village][-3:])
    url = qr_text(voucher.seal, public_base_url())
    return VoucherDocument(
        office_language=office, payee_language=payee,
        labels=bilingual_labels(office, payee),
        authority=voucher.authority or village,
        number=voucher.number, issued_on=voucher.issued_on.isoformat(),
        status=_both(office, payee, lambda: voucher.status.title),
        void=voucher.status is VoucherStatus.void,
        payee_name=claimant.name, payee_id_number=claimant.masked_id_number,
        payee_village=village, payee_account=claimant.masked_bank_account,
        claim_code=claim.display_code, incident_on=_moment(claim.occurred_at, claim),
        species=_both(office, payee, lambda: claim.species.title),
        lines=lines, currency=currency, total=_figures(voucher.amount, currency, office),
        words=words, signatories=_signatories(claim, office, payee),
        qr_text=url, verify_url=url, key_fingerprint=voucher.key_fingerprint,
        interest=_interest_line(voucher, office, payee),
        interest_amount=_figures(voucher.interest, currency, office),
        principal=_figures(voucher.principal, currency, office))


def voucher_pdf(voucher: Voucher) -> bytes:
    return render_voucher_pdf(voucher_document(voucher))
