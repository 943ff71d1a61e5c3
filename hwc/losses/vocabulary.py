"""Which kinds, categories and units apply at a place, and the name of any term in the reader's
language. The whole vocabulary is a few dozen rows, read once per request."""

from dataclasses import dataclass

from flask import g
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hwc.core.i18n import name_in_locale
from hwc.extensions import db
from hwc.losses.models import LossTerm, TermType
from hwc.regions.models import Region

_CACHE = "_hwc_loss_terms"


@dataclass(frozen=True)
class Term:
    """A vocabulary row as the lookups need it; ``region_path`` is None for everywhere."""

    term_type: TermType
    code: str
    kind: str | None
    region_path: str | None
    names: dict

    def title(self, locale: str | None = None) -> str:
        return name_in_locale(self.names, self.code.replace("_", " "), locale)

    def applies_at(self, region: Region | None) -> bool:
        """True where this term may be used: everywhere-terms anywhere, the others in their
        region's subtree."""
        if self.region_path is None:
            return True
        return region is not None and region.path.startswith(self.region_path)


def all_terms() -> list[Term]:
    """Every term, in the order they were added (today's list first)."""
    if _CACHE not in g:
        rows = db.session.execute(
            select(LossTerm.term_type, LossTerm.code, LossTerm.kind, Region.path, LossTerm.names)
            .outerjoin(Region, LossTerm.region_id == Region.id).order_by(LossTerm.id))
        setattr(g, _CACHE, [Term(TermType(t), c, k, p, dict(n or {})) for t, c, k, p, n in rows])
    return getattr(g, _CACHE)


def forget() -> None:
    """Drop what this request has read: call after adding terms."""
    g.pop(_CACHE, None)


@dataclass(frozen=True)
class Vocabulary:
    """The terms that apply at one place."""

    terms: tuple[Term, ...]

    def kinds(self) -> list[Term]:
        return [t for t in self.terms if t.term_type == TermType.kind]

    def categories(self, kind: str | None = None) -> list[Term]:
        return [t for t in self.terms if t.term_type == TermType.category
                and (kind is None or t.kind == kind)]

    def units(self, kind: str | None = None) -> list[Term]:
        return [t for t in self.terms if t.term_type == TermType.unit
                and (kind is None or t.kind == kind)]

    def has_kind(self, code: str) -> bool:
        return any(t.code == code for t in self.kinds())

    def has_category(self, kind: str, code: str) -> bool:
        return any(t.code == code for t in self.categories(kind))

    def has_unit(self, kind: str, code: str) -> bool:
        return any(t.code == code for t in self.units(kind))


def vocabulary_at(region: Region | None) -> Vocabulary:
    """The kinds, categories and units that apply in ``region`` (None: those for everywhere)."""
    return Vocabulary(tuple(t for t in all_terms() if t.applies_at(region)))


def terms_seen_by(user) -> list[LossTerm]:
    """The terms that apply somewhere in the user's area (those for everywhere, for a region in
    it or for a region above it): kinds, then each kind's categories, then its units."""
    rows = db.session.scalars(select(LossTerm).options(selectinload(LossTerm.region))
                              .order_by(LossTerm.id)).all()
    seen = [t for t in rows if t.region is None or user.can_see_region(t.region)
            or any(root.is_within(t.region) for root in user.scope_regions)]
    kinds = list(dict.fromkeys(t.code for t in seen if t.term_type == TermType.kind))
    order = list(TermType)

    def position(term: LossTerm) -> tuple:
        kind = term.kind if term.kind is not None else term.code
        return (order.index(term.term_type) > 0, kinds.index(kind) if kind in kinds else
                len(kinds), order.index(term.term_type), term.id)

    return sorted(seen, key=position)


def _title(term_type: TermType, code, kind: str | None = None) -> str:
    if code is None:
        return ""
    code = str(code)
    matches = [t for t in all_terms() if t.term_type == term_type and t.code == code]
    best = next((t for t in matches if kind is None or t.kind == kind), None)
    best = best or next(iter(matches), None)
    return best.title() if best is not None else code.replace("_", " ")


def kind_title(code) -> str:
    """The kind's name in the reader's language (the code itself if it is unknown)."""
    return _title(TermType.kind, code)


def category_title(code, kind: str | None = None) -> str:
    return _title(TermType.category, code, kind)


def unit_title(code) -> str:
    return _title(TermType.unit, code)
