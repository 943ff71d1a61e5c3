"""The administrator's form for a new term of the loss vocabulary."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from hwc.config import LANGUAGES
from hwc.core.choices import choices
from hwc.core.i18n import language_names
from hwc.extensions import db
from hwc.losses.models import LossTerm, TermType
from hwc.losses.operations import MAX_NAME
from hwc.regions.models import Region

EVERYWHERE = ""


def region_choices(user) -> list[SelectChoice]:
    """The regions the user administers, in tree order (the root may also choose
    everywhere)."""
    options = [SelectChoice(EVERYWHERE, _l("Everywhere"))] if user.is_root else []
    regions = db.session.scalars(Region.subtree(*user.scope_regions)) if not user.is_root \
        else db.session.scalars(select(Region).order_by(Region.path))
    for region in regions:
        indent = "\u00a0\u00a0\u00a0" * region.path.strip("/").count("/")
        options.append(SelectChoice(region.code, f"{indent}{region.display_name()} "
                                                 f"({region.code})"))
    return options


class TermForm(FlaskForm):
    term_type = SelectField(_l("What it is"))
    kind = SelectField(_l("Of the kind"), validate_choice=False)
    code = StringField(_l("Code"), validators=[DataRequired(_l("Enter a code.")), Length(max=32)],
                       render_kw={"autocomplete": "off", "autocapitalize": "none"})
    region = SelectField(_l("Applies in"))

    def __init__(self, *args, user, kinds: list[LossTerm], **kwargs):
        super().__init__(*args, **kwargs)
        self.term_type.choices = TermType.choices()
        titles: dict[str, str] = {}
        for term in kinds:
            titles.setdefault(term.code, term.display_name())
        self.kind.choices = choices([(EVERYWHERE, "—")] + [
            (code, f"{title} ({code})") for code, title in titles.items()])
        self.region.choices = region_choices(user)

    @property
    def name_fields(self) -> list:
        return [getattr(self, f"name_{code}") for code in LANGUAGES]

    def names(self) -> dict[str, str]:
        return {code: field.data or "" for code, field in zip(LANGUAGES, self.name_fields,
                                                                strict=True)}


# One required name per shipped language, labelled with the language's own name.
for _code, _name in language_names():
    setattr(TermForm, f"name_{_code}", StringField(
        _l("Name in %(language)s", language=_name),
        validators=[DataRequired(_l("Give the name in every language.")), Length(max=MAX_NAME)]))
