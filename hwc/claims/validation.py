"""Checking claim input (from the API or the filing form) into typed values, or field errors.

Field names follow the API body: ``claimant.phone``, ``losses[1].quantity``. Every message is
translated in the caller's language.
"""

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import phonenumbers
from flask_babel import gettext as _

from hwc.claims.models import Species
from hwc.config import LANGUAGES
from hwc.core.db import utcnow
from hwc.core.edge import MAX_ID
from hwc.core.money import NumberRefused, read_number
from hwc.losses.models import CODE, HEAD, LIVESTOCK, Condition, condition_fits
from hwc.losses.vocabulary import Vocabulary, category_title, kind_title, vocabulary_at
from hwc.regions.models import Region, RegionLevel

ID_NUMBER = re.compile(r"[A-Z0-9]{4,32}")
MAX_ITEMS = 50
# No scheme pays for older incidents, and older dates break the conversions between zones.
EARLIEST_INCIDENT = date(2000, 1, 1)


class ClaimValidationError(ValueError):
    """Input that cannot make a claim; ``errors`` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass
class ClaimantInput:
    name: str
    phone: str
    language: str
    id_number: str | None = None
    bank_account: str | None = None
    id: int | None = None  # an existing claimant picked from the list: that record is used


@dataclass
class LossInput:
    kind: str  # codes of the loss vocabulary that applies in the claim's village
    category: str
    condition: Condition
    quantity: Decimal
    unit: str
    claimed_value: Decimal | None = None
    damage_share: Decimal | None = None
    growth_stage: str = ""
    age_class: str = ""
    description: str = ""


@dataclass
class IncidentInput:
    occurred_at: datetime
    species: Species
    lat: Decimal | None = None
    lon: Decimal | None = None
    accuracy: Decimal | None = None
    narrative: str = ""


@dataclass
class ClaimInput:
    client_uuid: uuid.UUID | None
    village: Region | None
    claimant: ClaimantInput | None
    incident: IncidentInput | None
    losses: list[LossInput] = field(default_factory=list)


class _Errors(dict):
    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)


def _text(errors, name, value, *, required=False, max_length=255) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(name, _("Must be text."))
        return ""
    value = value.strip()
    if required and not value:
        errors.add(name, _("This field is required."))
    elif len(value) > max_length:
        errors.add(name, _("At most %(max)d characters.", max=max_length))
    return value


def _decimal(errors, name, value, *, required=False, minimum=None, maximum=None,
             positive=False) -> Decimal | None:
    if value is None or value == "":
        if required:
            errors.add(name, _("This field is required."))
        return None
    try:
        return read_number(value, minimum=minimum, maximum=maximum, positive=positive)
    except NumberRefused as refused:
        errors.add(name, refused.message)
        return None


def _choice(errors, name, value, enum, *, required=True):
    if value in (None, "") and not required:
        return None
    try:
        return enum(value)
    except ValueError:
        errors.add(name, _("Not one of the allowed values: %(values)s",
                           values=", ".join(m.value for m in enum)))
        return None


def normalise_phone(text: str, country: str | None) -> str:
    """E.164 form of ``text``; a number without ``+`` is read in ``country``. Raises ValueError."""
    try:
        number = phonenumbers.parse(text, country if country and len(country) == 2 else None)
    except phonenumbers.NumberParseException:
        raise ValueError(text) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_example(village: Region | None,
                  style=phonenumbers.PhoneNumberFormat.INTERNATIONAL) -> str:
    """A mobile number of the village's country, as an example to write by (+7 912 345-67-89
    in Russia, +86 131 2345 6789 in China)."""
    country = country_of(village) if village is not None else None
    number = phonenumbers.example_number_for_type(country or "CN",
                                                  phonenumbers.PhoneNumberType.MOBILE)
    if number is None:
        number = phonenumbers.example_number_for_type("CN", phonenumbers.PhoneNumberType.MOBILE)
    return phonenumbers.format_number(number, style)


def country_of(region: Region) -> str | None:
    root = region.ancestors()[0] if region.parent is not None else region
    return root.code if len(root.code) == 2 else None


def parse_claimant_id(errors, value, prefix="claimant") -> int | None:
    """The id of a claimant picked from the list (a whole number), or None when none was."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        errors.add(f"{prefix}.id", _("Choose a claimant from the list."))
        return None
    return value


def parse_claimant(errors, data, village: Region | None, prefix="claimant") -> ClaimantInput | None:
    if not isinstance(data, dict):
        errors.add(prefix, _("This field is required."))
        return None
    claimant_id = parse_claimant_id(errors, data.get("id"), prefix)
    name = _text(errors, f"{prefix}.name", data.get("name"), required=True, max_length=128)
    phone_text = _text(errors, f"{prefix}.phone", data.get("phone"), required=True, max_length=32)
    phone = ""
    if phone_text:
        try:
            phone = normalise_phone(phone_text, country_of(village) if village else None)
        except ValueError:
            errors.add(f"{prefix}.phone",
                       _("Not a valid phone number. Write it with the country code, "
                         "such as %(example)s.",
                         example=phone_example(village, phonenumbers.PhoneNumberFormat.E164)))
    language = data.get("language") or "zh_Hans"
    if language not in LANGUAGES:
        errors.add(f"{prefix}.language", _("Not one of the allowed values: %(values)s",
                                           values=", ".join(LANGUAGES)))
    id_number = _text(errors, f"{prefix}.id_number", data.get("id_number"), max_length=40)
    id_number = re.sub(r"[\s-]", "", id_number).upper() or None
    if id_number and not ID_NUMBER.fullmatch(id_number):
        errors.add(f"{prefix}.id_number", _("Use 4 to 32 letters and digits."))
    bank = _text(errors, f"{prefix}.bank_account", data.get("bank_account"), max_length=64)
    return ClaimantInput(name, phone, language, id_number, re.sub(r"\s", "", bank) or None,
                         claimant_id)


def parse_occurred_at(errors, name, value) -> datetime | None:
    if not value or not isinstance(value, str):
        errors.add(name, _("This field is required."))
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        errors.add(name, _("Use a date and time such as 2026-11-20T06:30:00+08:00."))
        return None
    if moment.tzinfo is None:
        errors.add(name, _("Give the time zone offset, such as +08:00."))
        return None
    # Compared without converting zones: a year-1 or year-9999 time has no UTC equivalent.
    if moment.date() < EARLIEST_INCIDENT:
        errors.add(name, _("The incident cannot be before %(date)s.",
                           date=EARLIEST_INCIDENT.isoformat()))
        return None
    if moment > utcnow() + timedelta(minutes=10):
        errors.add(name, _("The incident cannot be in the future."))
        return None
    return moment


def parse_incident(errors, data) -> IncidentInput | None:
    if not isinstance(data, dict):
        errors.add("incident", _("This field is required."))
        return None
    occurred_at = parse_occurred_at(errors, "incident.occurred_at", data.get("occurred_at"))
    species = _choice(errors, "incident.species", data.get("species"), Species)
    lat = _decimal(errors, "incident.lat", data.get("lat"), minimum=-90, maximum=90)
    lon = _decimal(errors, "incident.lon", data.get("lon"), minimum=-180, maximum=180)
    if (lat is None) != (lon is None) and not {"incident.lat", "incident.lon"} & set(errors):
        errors.add("incident.lat", _("Give both latitude and longitude, or neither."))
    accuracy = _decimal(errors, "incident.accuracy", data.get("accuracy"), minimum=0,
                        maximum=100000)
    narrative = _text(errors, "incident.narrative", data.get("narrative"), max_length=4000)
    if occurred_at is None or species is None:
        return None
    return IncidentInput(
        occurred_at, species,
        lat.quantize(Decimal("0.000001")) if lat is not None else None,
        lon.quantize(Decimal("0.000001")) if lon is not None else None,
        accuracy.quantize(Decimal("0.1")) if accuracy is not None else None, narrative)


def _term(errors, name, value, codes: list[str]) -> str | None:
    """``value`` if it is one of ``codes``, else None after naming the allowed ones."""
    if value in (None, ""):
        errors.add(name, _("This field is required."))
        return None
    if value not in codes:
        errors.add(name, _("Not one of the allowed values: %(values)s", values=", ".join(codes)))
        return None
    return value


def check_category(errors, name, vocabulary: Vocabulary, kind: str, category: str) -> None:
    """The category must be one of the kind's in this place (no "crop · cattle")."""
    if vocabulary.has_category(kind, category):
        return
    known = [term.title() for term in vocabulary.categories(kind)]
    errors.add(name, _("“%(category)s” is not a kind of “%(kind)s”; choose one of: "
                       "%(values)s.", category=category_title(category),
                       kind=kind_title(kind), values=", ".join(known) or "—"))


def parse_loss(errors, data, index, vocabulary: Vocabulary) -> LossInput | None:
    prefix = f"losses[{index}]"
    if not isinstance(data, dict):
        errors.add(prefix, _("Each loss must be an object."))
        return None
    kind = _term(errors, f"{prefix}.kind", data.get("kind"),
                 [term.code for term in vocabulary.kinds()])
    category = _text(errors, f"{prefix}.category", data.get("category"), required=True,
                     max_length=32)
    if category and not CODE.fullmatch(category):
        errors.add(f"{prefix}.category",
                   _("Use lower-case letters, digits and underscores, such as cattle."))
    elif category and kind is not None:
        check_category(errors, f"{prefix}.category", vocabulary, kind, category)
    condition = _choice(errors, f"{prefix}.condition", data.get("condition"), Condition)
    if condition is not None and kind is not None and not condition_fits(kind, condition):
        errors.add(f"{prefix}.condition", _(
            "“%(condition)s” does not fit “%(kind)s”: only animals die or are injured; choose "
            "“%(damaged)s”.", condition=condition.title, kind=kind_title(kind),
            damaged=Condition.damaged.title))
    quantity = _decimal(errors, f"{prefix}.quantity", data.get("quantity"), required=True,
                        positive=True)
    unit = _term(errors, f"{prefix}.unit", data.get("unit"),
                 list(dict.fromkeys(term.code for term in vocabulary.units())))
    if kind is not None and unit is not None and not vocabulary.has_unit(kind, unit):
        errors.add(f"{prefix}.unit", _("This unit does not fit this kind of loss."))
    if kind == LIVESTOCK and unit == HEAD and quantity is not None and \
            quantity != quantity.to_integral_value():
        errors.add(f"{prefix}.quantity", _("Count animals in whole numbers."))
    claimed = _decimal(errors, f"{prefix}.claimed_value", data.get("claimed_value"), minimum=0)
    share = _decimal(errors, f"{prefix}.damage_share", data.get("damage_share"), minimum=0,
                     maximum=100)
    growth = _text(errors, f"{prefix}.growth_stage", data.get("growth_stage"), max_length=32)
    age = _text(errors, f"{prefix}.age_class", data.get("age_class"), max_length=32)
    description = _text(errors, f"{prefix}.description", data.get("description"))
    if None in (kind, condition, quantity, unit) or not category:
        return None
    return LossInput(kind, category, condition, quantity, unit, claimed, share, growth, age,
                     description)


def parse_losses(errors, data, village: Region | None) -> list[LossInput]:
    """The losses, each in the vocabulary that applies in ``village``."""
    if not isinstance(data, list) or not data:
        errors.add("losses", _("Add at least one loss."))
        return []
    if len(data) > MAX_ITEMS:
        errors.add("losses", _("At most %(max)d losses per claim.", max=MAX_ITEMS))
        return []
    vocabulary = vocabulary_at(village)
    losses = [parse_loss(errors, item, index, vocabulary) for index, item in enumerate(data)]
    return [loss for loss in losses if loss is not None]


def parse_village(errors, code, actor) -> Region | None:
    region = Region.by_code(code) if isinstance(code, str) and code else None
    if region is None or region.level != RegionLevel.village or not actor.can_see_region(region):
        errors.add("village", _("Choose a village in your area."))
        return None
    return region


def parse_client_uuid(errors, value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        errors.add("client_uuid", _("Must be a UUID."))
        return None


def parse_claim_input(body, actor) -> ClaimInput:
    """A new claim's input, or ``ClaimValidationError`` naming every bad field at once."""
    errors = _Errors()
    if not isinstance(body, dict):
        raise ClaimValidationError({"": [_("The request body must be a JSON object.")]})
    client_uuid = parse_client_uuid(errors, body.get("client_uuid"))
    if client_uuid is None and "client_uuid" not in errors:
        errors.add("client_uuid", _("This field is required."))
    village = parse_village(errors, body.get("village"), actor)
    claimant = parse_claimant(errors, body.get("claimant"), village)
    incident = parse_incident(errors, body.get("incident"))
    losses = parse_losses(errors, body.get("losses"), village)
    if errors:
        raise ClaimValidationError(dict(errors))
    return ClaimInput(client_uuid, village, claimant, incident, losses)


def parse_claim_changes(body, actor, village: Region) -> ClaimInput:
    """Changes to an open claim: only the sections present (claimant, incident, losses) are
    checked and returned; the village and client UUID never change."""
    errors = _Errors()
    if not isinstance(body, dict):
        raise ClaimValidationError({"": [_("The request body must be a JSON object.")]})
    claimant = parse_claimant(errors, body["claimant"], village) if "claimant" in body else None
    incident = parse_incident(errors, body["incident"]) if "incident" in body else None
    losses = parse_losses(errors, body["losses"], village) if "losses" in body else []
    if errors:
        raise ClaimValidationError(dict(errors))
    return ClaimInput(None, village, claimant, incident, losses)
