"""Deployment settings an administrator changes at run time (deadlines, approval threshold)."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from hwc.extensions import db

# key: (type, default, label)
SETTINGS = {
    "report_within_hours": (int, 72, _l("Report within (hours after the incident)")),
    "inspect_within_days": (int, 7, _l("Inspect within (days after submission)")),
    "decide_within_days": (int, 14, _l("Decide within (days after verification)")),
    "pay_within_days": (int, 30, _l("Pay within (days after approval)")),
    "second_approval_above": (Decimal, Decimal("10000"),
                              _l("Second approval needed above (amount)")),
    "duplicate_window_days": (int, 30, _l("Duplicate incidents window (days)")),
    "max_upload_bytes": (int, 10 * 1024 * 1024, _l("Largest photo upload (bytes)")),
}


class Setting(db.Model):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))

    def __repr__(self) -> str:
        return f"<Setting {self.key}={self.value}>"


def get_setting(key: str):
    """The setting's value, typed; its default when nobody has set it."""
    kind, default, _label = SETTINGS[key]
    row = db.session.get(Setting, key)
    return kind(row.value) if row is not None else default


def set_setting(key: str, value) -> None:
    kind, _default, _label = SETTINGS[key]
    typed = kind(value)
    if typed < 0:
        raise ValueError(key)
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=str(typed)))
    else:
        row.value = str(typed)
    db.session.flush()


def change_settings(values: dict, *, actor) -> dict:
    """Save the settings whose value differs from the one in force and write one audit event
    naming each (``{key: {"from": …, "to": …}}``); returns those changes."""
    from hwc.workflow.audit import record_event

    changes = {}
    for key, value in values.items():
        current = get_setting(key)
        if value != current:
            set_setting(key, value)
            changes[key] = {"from": current, "to": get_setting(key)}
    if changes:
        record_event("settings_changed", actor=actor, changes=changes)
    return changes
