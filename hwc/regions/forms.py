"""Forms of the administrator's region pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from hwc.config import LANGUAGES
from hwc.core.i18n import language_names
from hwc.regions.models import Region, RegionLevel
from hwc.regions.operations import regions_in_scope

# "/admin/regions/new" is the page for a new region, so no region may take that code.
RESERVED_CODES = {"new"}
# Why a parent is refused: the form offers only the places the administrator may use.
TOP_LEVEL_REFUSED = _l("Only the administrator of the whole system can place a region at the "
                       "top level.")
PARENT_OUTSIDE_SCOPE = _l("Choose a place within your own area.")


def depth(region: Region) -> int:
    """0 for a root, 1 for its children, …"""
    return region.path.strip("/").count("/")


def _label(region: Region) -> str:
    return "\u00a0\u00a0\u00a0" * depth(region) + f"{region.display_name()} ({region.code})"


def parent_choices(actor, moving: Region | None = None) -> list[SelectChoice]:
    """The regions ``actor`` administers as possible parents, in tree order and indented, and
    the top level when the actor may use it; when ``moving`` a region, its own subtree is shown
    disabled (the tree cannot hold a cycle) and its present parent is kept as a choice even
    when it lies above the actor's scope (editing a country's names leaves it where it is)."""
    options = []
    if actor.administers(None) or (moving is not None and moving.parent is None):
        options.append(SelectChoice("", _l("— none (top level) —")))
    regions = regions_in_scope(actor)
    if moving is not None and moving.parent is not None and moving.parent not in regions:
        options.append(SelectChoice(moving.parent.code, _label(moving.parent)))
    for region in regions:
        inside = moving is not None and region.is_within(moving)
        options.append(SelectChoice(region.code, _label(region),
                                    render_kw={"disabled": True} if inside else {}))
    return options


class RegionForm(FlaskForm):
    """Level, parent and names; subclasses add the code for a new region."""

    level = SelectField(_l("Level"), choices=RegionLevel.choices())
    parent = SelectField(_l("Inside"))

    def __init__(self, *args, actor, moving: Region | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent.choices = parent_choices(actor, moving)
        self.parent.invalid_choice_message = (PARENT_OUTSIDE_SCOPE if self.parent.data
                                              else TOP_LEVEL_REFUSED)

    @property
    def name_fields(self) -> list:
        return [getattr(self, f"name_{code}") for code in LANGUAGES]

    def names(self, keeping: dict[str, str] | None = None) -> dict[str, str]:
        """The names filled in, by locale, plus those of ``keeping`` in locales the form does
        not show (an imported name in another language survives an edit)."""
        kept = {code: name for code, name in (keeping or {}).items() if code not in LANGUAGES}
        filled = {code: (field.data or "").strip()
                  for code, field in zip(LANGUAGES, self.name_fields, strict=True)}
        return kept | {code: name for code, name in filled.items() if name}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.names():
            first = self.name_fields[0]
            first.errors = [*first.errors, _l("Give the region a name in at least one language.")]
            return False
        return valid


# One optional name field per shipped language, labelled with the language's own name.
for _code, _name in language_names():
    setattr(RegionForm, f"name_{_code}", StringField(
        _l("Name in %(language)s", language=_name), validators=[Length(max=128)]))


def not_reserved(form, field) -> None:
    if field.data in RESERVED_CODES:
        raise ValidationError(_l("This code is reserved; choose another."))


class NewRegionForm(RegionForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(message=_l("Enter a code.")),
            Length(max=32),
            Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", message=_l(
                "Use letters, digits, dots, hyphens or underscores, starting with a letter or "
                "digit.")),
            not_reserved,
        ],
        render_kw={"autocapitalize": "characters", "autocomplete": "off"},
    )
