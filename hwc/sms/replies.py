"""The texts a resident reads by SMS, each in the resident's language and short enough for one
segment where the language allows it (never more than two). They say the claim's code, status,
next step and amount, and never a name, an identity number or an account."""

from datetime import date

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hwc.claims.models import ClaimStatus
from hwc.core.i18n import format_day, match_language
from hwc.sms.parser import keyword
from hwc.workflow.reasons import reason_title

S = ClaimStatus
# What happens next, as a resident can act on it.
NEXT_STEPS = {
    S.draft: _l("Your village officer has not sent it yet."),
    S.submitted: _l("A verifier will check it."),
    S.under_verification: _l("A verifier is checking it."),
    S.returned: _l("Your village officer will add what is missing."),
    S.verified: _l("It waits for approval."),
    S.awaiting_second_approval: _l("It waits for a second approval."),
    S.approved: _l("A payment voucher will be issued."),
    S.rejected: _l("You may appeal through your village officer."),
    S.withdrawn: _l("Nothing more will happen."),
    S.voucher_issued: _l("Payment will follow."),
    S.paid: _l("Nothing more to do."),
    S.closed: _l("Nothing more to do."),
}
# Once approved, the reply says how much.
WITH_AMOUNT = frozenset({S.approved, S.voucher_issued, S.paid, S.closed})
# The workflow actions a resident is told about (``approve`` only when it reaches approved).
NOTIFIED_ACTIONS = ("submit", "return", "approve", "reject", "propose_rejection",
                    "issue_voucher", "record_payment")
NEEDS_AMOUNT = frozenset({"approve", "issue_voucher", "record_payment"})


def _locale(language: str | None) -> str:
    return match_language(language) or current_app.config["HWC_DEFAULT_LOCALE"]


def next_step(status: ClaimStatus | str, language: str) -> str:
    """What happens next to a claim in ``status``, in ``language``."""
    with force_locale(_locale(language)):
        return str(NEXT_STEPS[ClaimStatus(status)])


def status_reply(code_shown: str, status: ClaimStatus | str, next_step: str | None = None,
                 amount_text: str | None = None, updated_on: date | None = None,
                 language: str | None = None) -> str:
    """The answer to a status query: the status, since when, the amount once approved, and what
    happens next (``next_step``; by default the status's own)."""
    status = ClaimStatus(status)
    with force_locale(_locale(language)):
        values = {"code": code_shown, "status": status.title,
                  "next": next_step or str(NEXT_STEPS[status])}
        if updated_on is None:
            return _("Claim %(code)s: %(status)s. %(next)s", **values)
        values["date"] = format_day(updated_on, "medium")
        if amount_text and status in WITH_AMOUNT:
            return _("Claim %(code)s: %(status)s (%(date)s), %(amount)s. %(next)s",
                     amount=amount_text, **values)
        return _("Claim %(code)s: %(status)s (%(date)s). %(next)s", **values)


def typo_reply(language: str | None) -> str:
    with force_locale(_locale(language)):
        return _("That code is probably mistyped. Please check it and send it again.")


def unknown_code_reply(language: str | None) -> str:
    with force_locale(_locale(language)):
        return _("No claim has this code. Please check it or ask your village officer.")


def help_reply(language: str | None) -> str:
    locale = _locale(language)
    with force_locale(locale):
        return _("Send your claim code to learn its status. %(stop)s: no more messages, "
                 "%(start)s: messages again.",
                 stop=keyword("stop", locale), start=keyword("start", locale))


def stopped_reply(language: str | None) -> str:
    locale = _locale(language)
    with force_locale(locale):
        return _("You will get no more messages about claims. Send %(start)s to get them again.",
                 start=keyword("start", locale))


def started_reply(language: str | None) -> str:
    locale = _locale(language)
    with force_locale(locale):
        return _("You will get messages about your claims again. Send %(stop)s to stop them.",
                 stop=keyword("stop", locale))


def notification(action: str, code_shown: str, amount_text: str | None, language: str | None,
                 *, reason: str | None = None) -> str | None:
    """What a resident is told when ``action`` is taken on the claim, or None for an action they
    are not told about. ``amount_text`` (formatted) is needed for approve, issue_voucher and
    record_payment; ``reason`` is the reason code of a rejection."""
    if action not in NOTIFIED_ACTIONS:
        return None
    if action in NEEDS_AMOUNT and not amount_text:
        raise ValueError(f"the {action} notification needs the amount")
    with force_locale(_locale(language)):
        values = {"code": code_shown, "amount": amount_text}
        if action == "submit":
            return _("Claim %(code)s received. Send this code here to learn its status.",
                     **values)
        if action == "return":
            return _("Claim %(code)s needs more information. Your village officer will tell you "
                     "what is missing.", **values)
        if action == "approve":
            return _("Claim %(code)s approved: %(amount)s. A payment voucher will follow.",
                     **values)
        if action in ("reject", "propose_rejection"):
            if reason:
                return _("Claim %(code)s rejected: %(reason)s. You may appeal through your "
                         "village officer.", reason=reason_title(reason), **values)
            return _("Claim %(code)s rejected. You may appeal through your village officer.",
                     **values)
        if action == "issue_voucher":
            return _("Claim %(code)s: payment voucher issued for %(amount)s.", **values)
        return _("Claim %(code)s: %(amount)s paid.", **values)
