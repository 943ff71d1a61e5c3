"""The kinds of audit event, each with the title a timeline shows: what happened, as a past event
("Submitted", "Returned for more information"), not the verb of the button that did it.

``record_event`` refuses a kind not listed here. A feature that records something new adds one
line below, in its own group.
"""

from flask_babel import lazy_gettext as _l

from hwc.core.enums import TitledEnum, set_titles


class EventKind(TitledEnum):
    """A kind of audit event: ``EventKind.submit.title`` is "Submitted" in the reader's language.
    The workflow's transitions are recorded under their action's name."""

    def __new__(cls, value: str, title):
        member = str.__new__(cls, value)
        member._value_ = value
        member._title = title
        return member

    # Claims: filing, and the workflow's transitions (one per action in hwc.workflow.rules).
    create = "create", _l("Filed")
    update = "update", _l("Edited")
    add_evidence = "add_evidence", _l("Photo added")
    delete_evidence = "delete_evidence", _l("Photo deleted")
    caption_evidence = "caption_evidence", _l("Photo caption changed")
    acknowledge_flags = "acknowledge_flags", _l("Warnings acknowledged")
    delete_filing = "delete_filing", _l("Unfinished claim deleted")
    expire_filing = "expire_filing", _l("Empty unfinished claim expired")
    submit = "submit", _l("Submitted")
    start_verification = "start_verification", _l("Verification started")
    return_ = "return", _l("Returned for more information")
    resubmit = "resubmit", _l("Resubmitted")
    verify = "verify", _l("Verified")
    propose_rejection = "propose_rejection", _l("Rejection proposed")
    approve = "approve", _l("Approved")
    reject = "reject", _l("Rejected")
    send_back = "send_back", _l("Sent back to verification")
    appeal = "appeal", _l("Appealed")
    withdraw = "withdraw", _l("Withdrawn")

    # Vouchers: the workflow's paying steps, and who saw a payee's whole bank account.
    issue_voucher = "issue_voucher", _l("Voucher issued")
    record_payment = "record_payment", _l("Payment recorded")
    void_voucher = "void_voucher", _l("Voucher voided")
    bank_account_viewed = "bank_account_viewed", _l("Whole bank account shown")
    late_interest_rate_added = "late_interest_rate_added", _l("Late-payment interest rate added")

    # Public notice (公示): someone objected, and the claim went back to verification.
    object = "object", _l("Objection lodged")

    # Budgets and payment runs.
    budget_created = "budget_created", _l("Budget created")
    budget_topped_up = "budget_topped_up", _l("Budget topped up")
    payment_run_created = "payment_run_created", _l("Payment run started")
    payment_run_cancelled = "payment_run_cancelled", _l("Payment run cancelled")
    bank_file_downloaded = "bank_file_downloaded", _l("Bank transfer file downloaded")
    confirmation_imported = "confirmation_imported", _l("Bank confirmation file imported")

    # Rate schedules.
    rates_imported = "rates_imported", _l("Rate schedule imported")

    # Regions.
    region_created = "region_created", _l("Region created")
    region_updated = "region_updated", _l("Region changed")

    # Users and their sessions.
    user_created = "user_created", _l("User created")
    user_updated = "user_updated", _l("User changed")
    password_reset = "password_reset", _l("Password reset")
    user_deactivated = "user_deactivated", _l("User deactivated")
    user_reactivated = "user_reactivated", _l("User reactivated")
    sessions_ended = "sessions_ended", _l("Sessions ended")

    # Settings, the deployment's and each region's.
    settings_changed = "settings_changed", _l("Settings changed")
    region_setting_changed = "region_setting_changed", _l("Region setting changed")

    # The loss vocabulary.
    loss_term_added = "loss_term_added", _l("Loss term added")

    # Vouchers.
    voucher_key_rotated = "voucher_key_rotated", _l("Voucher signing key rotated")

    # The job worker.
    job_retried = "job_retried", _l("Failed job sent back to the queue")

    # Backups (the archive holds every secret of the instance).
    backup_made = "backup_made", _l("Backup made")

    # The audit trail itself.
    accept_audit_head = "accept_audit_head", _l("Audit trail head accepted as it stood")


set_titles(EventKind, {kind.value: kind._title for kind in EventKind})


class UnknownEventKind(ValueError):
    """``record_event`` was given a kind that ``EventKind`` does not list."""


def event_kind(value: str) -> EventKind:
    """The kind ``value`` names, or ``UnknownEventKind``."""
    try:
        return EventKind(value)
    except ValueError:
        raise UnknownEventKind(f"unknown audit event kind {value!r}: add it to EventKind") \
            from None


def event_title(value: str) -> str:
    """The title of a stored event's kind; a kind no longer listed shows as stored."""
    try:
        return EventKind(value).title
    except ValueError:
        return value
