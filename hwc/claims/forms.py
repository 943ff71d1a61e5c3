"""Forms of the tablet filing flow and the office actions. Labels are lazily translated; the
domain checks (phone, dates, units) are those of ``hwc.claims.validation``, shared with the API."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from hwc.claims.models import Species
from hwc.config import LANGUAGES
from hwc.core.choices import choices
from hwc.losses.models import Condition
from hwc.losses.vocabulary import Vocabulary
from hwc.workflow.reasons import REASON_TITLES

REQUIRED = _l("This field is required.")


class ClaimantStepForm(FlaskForm):
    village = SelectField(_l("Village"), validators=[DataRequired(REQUIRED)])
    existing = SelectField(_l("Existing claimant"), default="", validate_choice=False)
    name = StringField(_l("Claimant's full name"), validators=[Length(max=128)])
    phone = StringField(_l("Mobile phone"), validators=[Length(max=32)],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})
    language = SelectField(_l("Language for text messages"),
                           choices=choices((code, code) for code in LANGUAGES))
    id_number = StringField(_l("Identity number"), validators=[Length(max=40)])
    bank_account = StringField(_l("Bank account (for payment)"), validators=[Length(max=64)])
    different_person = BooleanField(_l("A different person, who shares this phone or "
                                       "identity number"))


class IncidentStepForm(FlaskForm):
    occurred_date = DateField(_l("Date of the incident"), validators=[InputRequired(REQUIRED)])
    occurred_time = TimeField(_l("Time (approximately)"), validators=[InputRequired(REQUIRED)])
    species = SelectField(_l("Animal responsible"), validators=[DataRequired(REQUIRED)])
    lat = DecimalField(_l("Latitude"), places=None, validators=[Optional()],
                       render_kw={"inputmode": "decimal", "step": "any"})
    lon = DecimalField(_l("Longitude"), places=None, validators=[Optional()],
                       render_kw={"inputmode": "decimal", "step": "any"})
    accuracy = DecimalField(_l("GPS accuracy (m)"), places=None, validators=[Optional()],
                            render_kw={"inputmode": "decimal", "step": "any"})
    narrative = TextAreaField(_l("What happened"), validators=[Length(max=4000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.species.choices = [*choices([("", "—")]), *Species.choices()]


class LossRowForm(Form):
    kind = SelectField(_l("Kind of loss"))
    category = SelectField(_l("What"), validate_choice=False)
    condition = SelectField(_l("Condition"))
    quantity = StringField(_l("Number or area"), render_kw={"inputmode": "decimal"})
    unit = SelectField(_l("Unit"))
    claimed_value = StringField(_l("Value claimed"), render_kw={"inputmode": "decimal"})
    damage_share = StringField(_l("Share destroyed (%)"), render_kw={"inputmode": "decimal"})
    remove = BooleanField(_l("Remove"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Kinds, categories and units are those of the claim's village: LossesStepForm.offer.
        self.kind.choices, self.category.choices, self.unit.choices = [], [], []
        self.condition.choices = Condition.choices()


class LossesStepForm(FlaskForm):
    rows = FieldList(FormField(LossRowForm), min_entries=1, max_entries=50)

    def offer(self, vocabulary: Vocabulary) -> None:
        """Offer in every row the kinds, categories (grouped by kind) and units of
        ``vocabulary``, named in the reader's language. Call again after adding a row."""
        kinds = vocabulary.kinds()
        categories = [SelectChoice("", "—")] + [
            SelectChoice(term.code, term.title(), optgroup=kind.title())
            for kind in kinds for term in vocabulary.categories(kind.code)]
        units = {term.code: term.title() for term in vocabulary.units()}
        for row in self.rows:
            row.form.kind.choices = choices((term.code, term.title()) for term in kinds)
            row.form.category.choices = list(categories)
            row.form.unit.choices = choices(units.items())


class PhotosStepForm(FlaskForm):
    """The photos to upload; each photo's caption is its own field (``caption-<id>``)."""

    photos = MultipleFileField(_l("Photos"))


class SubmitForm(FlaskForm):
    client_uuid = HiddenField()


class CommentForm(FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[Length(max=4000)])
    version = HiddenField()


class ReasonForm(CommentForm):
    reason = SelectField(_l("Reason"), choices=choices(REASON_TITLES.items()))


class AssessmentRowForm(Form):
    quantity = StringField(_l("Assessed quantity"), render_kw={"inputmode": "decimal"})
    unit_value = StringField(_l("Value of one unit"), render_kw={"inputmode": "decimal"})


class VerifyForm(CommentForm):
    findings = TextAreaField(_l("Findings on site"), validators=[Length(max=4000)])
    rows = FieldList(FormField(AssessmentRowForm), min_entries=0, max_entries=50)


class BatchApproveForm(FlaskForm):
    codes = StringField()


class EvidenceForm(FlaskForm):
    photo = FileField(_l("Photo"))
    caption = StringField(_l("Caption"), validators=[Length(max=255)])
