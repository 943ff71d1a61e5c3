"""The vocabulary every deployment starts with, named in every shipped language from the
translation catalogues (the English texts stay here as Babel messages, so the catalogues keep
their translations)."""

from functools import cache

from babel.messages.pofile import read_po
from sqlalchemy import select

from hwc import PROJECT_ROOT
from hwc.config import LANGUAGES
from hwc.extensions import db
from hwc.losses import vocabulary
from hwc.losses.models import LossTerm, TermType

CATALOGUES = PROJECT_ROOT / "translations"


def N_(message: str) -> str:
    """Mark ``message`` for the catalogues; the seed reads its translations from them."""
    return message


KINDS = {"livestock": N_("Livestock"), "crop": N_("Crop"), "property": N_("Property")}
CATEGORIES = {
    "livestock": {
        "cattle": N_("Cattle"), "calf": N_("Calf"), "horse": N_("Horse"), "sheep": N_("Sheep"),
        "goat": N_("Goat"), "pig": N_("Pig"), "dog": N_("Dog"), "poultry": N_("Poultry"),
        "deer": N_("Farmed deer"), "bee_hive": N_("Bee hive"),
    },
    "crop": {
        "maize": N_("Maize"), "rice": N_("Rice"), "soybean": N_("Soybean"),
        "potato": N_("Potato"), "vegetables": N_("Vegetables"), "cash_crop": N_("Cash crop"),
        "ginseng": N_("Ginseng"),
    },
    "property": {
        "house_partial": N_("House, partly damaged"), "fence": N_("Fence"),
        "shed": N_("Shed or barn"), "equipment": N_("Equipment"),
    },
}
UNIT_NAMES = {"head": N_("head"), "ha": N_("ha"), "mu": N_("mu"), "acre": N_("acre"),
              "m2": N_("m²"), "kg": N_("kg"), "item": N_("item")}
UNITS = {
    "livestock": ("head", "kg", "item"),  # item: a bee hive
    "crop": ("ha", "mu", "acre", "m2", "kg"),
    "property": ("m2", "item"),
}


@cache
def _catalogue(locale: str):
    path = CATALOGUES / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return None
    with path.open("rb") as po:
        return read_po(po, locale=locale)


def names_of(msgid: str) -> dict[str, str]:
    """The message's translation in every shipped language, from the catalogues; the English
    text where a catalogue lacks one."""
    names = {}
    for locale in LANGUAGES:
        catalogue = _catalogue(locale)
        found = catalogue.get(msgid) if catalogue is not None else None
        names[locale] = (found.string if found is not None and found.string else msgid)
    return names


def seed_rows() -> list[dict]:
    """Today's vocabulary as rows for ``loss_terms`` (for everywhere), in display order."""
    rows = [{"term_type": TermType.kind.value, "kind": None, "code": code,
             "names": names_of(name)} for code, name in KINDS.items()]
    for kind, categories in CATEGORIES.items():
        rows += [{"term_type": TermType.category.value, "kind": kind, "code": code,
                  "names": names_of(name)} for code, name in categories.items()]
    # Unit by unit, so that a list of every unit keeps today's order (head, ha, mu, …).
    rows += [{"term_type": TermType.unit.value, "kind": kind, "code": code,
              "names": names_of(name)}
             for code, name in UNIT_NAMES.items() for kind, units in UNITS.items()
             if code in units]
    return rows


def seed_vocabulary() -> int:
    """Add whichever of today's terms are missing (as terms for everywhere); returns how many
    were added. Running it twice adds nothing the second time."""
    existing = set(db.session.execute(
        select(LossTerm.term_type, LossTerm.kind, LossTerm.code)
        .where(LossTerm.region_id.is_(None))))
    added = 0
    for row in seed_rows():
        if (TermType(row["term_type"]), row["kind"], row["code"]) in existing:
            continue
        db.session.add(LossTerm(**{**row, "term_type": TermType(row["term_type"])}))
        added += 1
    db.session.flush()
    vocabulary.forget()
    return added
