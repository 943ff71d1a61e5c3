"""Every label a voucher prints, and the pair of them in the office's and the payee's language."""

from flask_babel import LazyString, force_locale
from flask_babel import lazy_gettext as _l

from hwc.vouchers.document import Label

LABELS: dict[str, LazyString] = {
    "title": _l("Payment voucher"),
    "number": _l("Voucher number"),
    "issued_on": _l("Date of issue"),
    "status": _l("Status"),
    "authority": _l("Issuing authority"),
    "payee": _l("Payee"),
    "id_number": _l("Identity number"),
    "village": _l("Village"),
    "account": _l("Bank account"),
    "claim": _l("Claim"),
    "incident": _l("Incident"),
    "species": _l("Species"),
    "item": _l("Item"),
    "quantity": _l("Quantity"),
    "unit": _l("Unit"),
    "rate": _l("Rate"),
    "amount": _l("Amount"),
    "total": _l("Total"),
    "principal": _l("Approved amount"),
    "in_words": _l("Amount in words"),
    "approvals": _l("Verification and approval"),
    "verified_by": _l("Verified by"),
    "approved_by": _l("Approved by"),
    "second_approval": _l("Second approval"),
    "name": _l("Name"),
    "when": _l("Date and time"),
    "signature": _l("Signature"),
    "date": _l("Date"),
    "seal": _l("Seal"),
    "issued_by": _l("Issued by"),
    "received_by": _l("Received by (payee)"),
    "scan_to_verify": _l("Scan to verify"),
    "key_fingerprint": _l("Key fingerprint"),
    "issued": _l("Issued"),
    "paid": _l("Paid"),
    "void": _l("Void"),
}


def bilingual_labels(office: str, payee: str) -> dict[str, Label]:
    """Each of ``LABELS`` as it reads in the office's language and in the payee's (equal when the
    two languages are the same); needs an application context."""
    with force_locale(office):
        office_texts = {key: str(text) for key, text in LABELS.items()}
    with force_locale(payee):
        payee_texts = {key: str(text) for key, text in LABELS.items()}
    return {key: Label(office_texts[key], payee_texts[key]) for key in LABELS}
