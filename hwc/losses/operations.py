"""Adding terms to the loss vocabulary: an administrator extends it within their own area."""

from flask_babel import gettext as _

from hwc.accounts.models import Role, User
from hwc.audit.trail import record_event
from hwc.config import LANGUAGES
from hwc.extensions import db
from hwc.losses import vocabulary
from hwc.losses.models import CODE, LossTerm, TermType
from hwc.regions.models import Region

MAX_NAME = 64


class InvalidTerm(ValueError):
    """A term that cannot be added as asked: ``field`` names the input at fault (``code``,
    ``kind``, ``region``, ``name_<locale>``), ``message`` says why in the reader's language."""

    def __init__(self, field: str, message: str):
        super().__init__(field, message)
        self.field, self.message = field, message


def _overlaps(term: vocabulary.Term, region: Region | None) -> bool:
    """Whether ``term`` and a term for ``region`` would both apply somewhere."""
    if term.region_path is None or region is None:
        return True
    return region.path.startswith(term.region_path) or term.region_path.startswith(region.path)


def _check_names(names: dict[str, str]) -> dict[str, str]:
    cleaned = {locale: (names.get(locale) or "").strip() for locale in LANGUAGES}
    for locale, name in cleaned.items():
        if not name:
            raise InvalidTerm(f"name_{locale}", _("Give the name in every language."))
        if len(name) > MAX_NAME:
            raise InvalidTerm(f"name_{locale}", _("At most %(max)d characters.", max=MAX_NAME))
    return cleaned


def add_term(term_type: TermType | str, code: str, names: dict[str, str], *,
             kind: str | None = None, region: Region | None = None, actor: User) -> LossTerm:
    """Add a kind, a category or unit of a kind, that applies in ``region``'s subtree (None:
    everywhere, which only the root administrator may add), named in every shipped language;
    flush it and record the audit event. The caller commits.

    Raises ``InvalidTerm`` for anyone but an administrator of the region, a malformed code, a
    missing name, a kind that does not apply in the region, or a code that the same kind
    already uses where the new term would apply."""
    term_type = TermType(term_type)
    if actor.role != Role.admin:
        raise InvalidTerm("region", _("Only an administrator may add terms."))
    if region is None and not actor.is_root:
        raise InvalidTerm("region", _("Choose a region in your area."))
    if region is not None and not actor.can_see_region(region):
        raise InvalidTerm("region", _("Choose a region in your area."))
    code = (code or "").strip()
    if not CODE.fullmatch(code):
        raise InvalidTerm("code", _("Use lower-case letters, digits and underscores, such as "
                                    "cattle."))
    if term_type == TermType.kind:
        kind = None
    elif not kind or not vocabulary.vocabulary_at(region).has_kind(kind):
        raise InvalidTerm("kind", _("Choose a kind of loss that applies in this region."))
    names = _check_names(names)
    taken = [t for t in vocabulary.all_terms() if t.term_type == term_type and t.code == code
             and t.kind == kind and _overlaps(t, region)]
    if taken:
        raise InvalidTerm("code", _("This code is already in use here."))
    term = LossTerm(term_type=term_type, code=code, kind=kind, region=region, names=names)
    db.session.add(term)
    db.session.flush()
    vocabulary.forget()
    record_event("loss_term_added", actor=actor, changes={
        "term_type": str(term_type), "code": code, "kind": kind,
        "region": region.code if region is not None else None, "names": names})
    return term
