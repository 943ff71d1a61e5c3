"""What a voucher's PDF shows, as plain values already in the words and formats it prints.

``hwc.vouchers.printing`` builds a ``VoucherDocument`` from a voucher (the database, settings,
amount in words, signed QR payload); ``hwc.vouchers.pdf`` turns it into a PDF through the
``templates/vouchers/voucher.html`` template. Nothing in here reads the database.

A voucher speaks two languages when the payee's differs from the office's: every label is a
pair ``(office, payee)`` (equal when the languages are the same, and then printed once).
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Label:
    office: str
    payee: str

    @property
    def bilingual(self) -> bool:
        return self.office != self.payee


@dataclass(frozen=True)
class VoucherLine:
    item: str  # "Cattle (dead)" in the office language, payee's after " / " when it differs
    quantity: str  # "2", "3.5"
    unit: str  # "head", "mu"
    rate: str  # "12,000.00 per head", "75% of the value, at most 9,000.00 per head"
    amount: str  # "24,000.00"


@dataclass(frozen=True)
class Signatory:
    role: Label  # "Verified by", "Approved by", "Second approval"
    name: str
    when: str  # "2026-11-20 14:05 (Asia/Vladivostok)"


@dataclass(frozen=True)
class AmountInWords:
    language: str  # "zh_Hans", "ru", "ko", "en"
    text: str  # "人民币壹仟肆佰零玖元伍角整"


@dataclass(frozen=True)
class VoucherDocument:
    office_language: str  # the <html lang> of the document
    payee_language: str
    labels: dict[str, Label]  # by key, see printing.LABELS
    authority: str  # the issuing authority's name (setting ``voucher_authority``)
    number: str  # "HC-2026-000123"
    issued_on: str  # "2026-11-25"
    status: Label  # "Issued" / "Paid" / "Void" (a void voucher prints VOID across the page)
    void: bool
    payee_name: str
    payee_id_number: str  # masked: "2224**********1234"
    payee_village: str  # the village's path in the office language: "珲春市 · 春化镇 · 草帽村"
    payee_account: str  # masked: "6222 **** **** 3445", or "" when none is on file
    claim_code: str  # "K7M3-Q9X2-T"
    incident_on: str  # "2026-11-20 06:30"
    species: Label
    lines: list[VoucherLine]
    currency: str  # "CNY"
    total: str  # "1,409.50" in figures, in the office locale, without the currency sign
    words: list[AmountInWords]  # office language first; one entry when the languages agree
    signatories: list[Signatory]
    qr_text: str  # what the QR code holds: the verification URL with the signed payload
    verify_url: str  # the same URL, printed under the code
    key_fingerprint: str  # the signing key's fingerprint, in the footer
    extra: dict[str, str] = field(default_factory=dict)  # reserved (payment details on reprint)
    # Late-payment interest, when the voucher carries some: the line saying how it was counted
    # ("Late-payment interest: 12 days after the statutory 30 days, at 6 % a year
    # (actual/365)") and its amount in figures, like ``total``; the amount before it.
    interest: Label | None = None
    interest_amount: str = ""
    principal: str = ""
