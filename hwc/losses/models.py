"""The terms of the loss vocabulary, each with a stable code, names in every shipped language
and the region whose subtree it applies in (none: everywhere)."""

import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hwc.core.columns import enum_column
from hwc.core.db import UTCDateTime, utcnow
from hwc.core.enums import TitledEnum, set_titles
from hwc.core.i18n import name_in_locale
from hwc.extensions import db
from hwc.regions.models import Region

# Codes the rules name: a livestock loss needs a photo, and animals counted by the head are whole.
LIVESTOCK = "livestock"
HEAD = "head"
# What a term's code looks like (the codes claims and rate schedules store).
CODE = re.compile(r"[a-z][a-z0-9_]{0,31}")


class TermType(TitledEnum):
    kind = "kind"
    category = "category"
    unit = "unit"


set_titles(TermType, {"kind": _l("Kind of loss"), "category": _l("Category"),
                      "unit": _l("Unit")})


class Condition(TitledEnum):
    dead = "dead"
    injured = "injured"
    damaged = "damaged"


set_titles(Condition, {"dead": _l("Dead"), "injured": _l("Injured"), "damaged": _l("Damaged")})

# Only animals die or are injured; anything (a field of maize, a shed, a bee hive) is damaged.
LIVING_CONDITIONS = frozenset({Condition.dead, Condition.injured})


def condition_fits(kind: str, condition: Condition) -> bool:
    return kind == LIVESTOCK or condition not in LIVING_CONDITIONS


class LossTerm(db.Model):
    """A kind of loss (``livestock``), a category of a kind (``cattle`` of livestock) or a unit
    a kind is measured in (``mu`` for crops). A category or unit names its kind."""

    __tablename__ = "loss_terms"
    __table_args__ = (
        CheckConstraint("(term_type = 'kind' AND kind IS NULL) OR "
                        "(term_type <> 'kind' AND kind IS NOT NULL)",
                        name="kind_names_no_kind"),
        CheckConstraint("code <> ''", name="code_not_empty"),
        UniqueConstraint("term_type", "kind", "code", "region_id",
                         name="uq_loss_terms_term_in_region"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    term_type: Mapped[TermType] = mapped_column(enum_column(TermType, length=16))
    code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str | None] = mapped_column(String(32))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region | None] = relationship()

    def __repr__(self) -> str:
        where = self.region.code if self.region is not None else "everywhere"
        return f"<LossTerm {self.term_type} {self.kind or ''}:{self.code} {where}>"

    def display_name(self, locale: str | None = None) -> str:
        return name_in_locale(self.names, self.code.replace("_", " "), locale)
