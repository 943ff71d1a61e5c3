"""The settings forms, generated from ``SETTINGS`` so that a new setting needs no form code: the
deployment's (every key) and a region's (the regional keys, each optional: empty inherits)."""

from decimal import Decimal

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from hwc.config import LANGUAGES
from hwc.core.edge import date_within_bounds
from hwc.core.money import currency_places
from hwc.core.settings import (
    BANK_FILE_COLUMNS,
    DAY_COUNTS,
    NOTIFIABLE_STEPS,
    REGIONAL_KEYS,
    SETTINGS,
    InvalidSetting,
    SettingOutOfRange,
    SettingSpec,
    check_setting,
    get_setting,
)

REQUIRED = _l("This field is required.")


def range_message(spec: SettingSpec) -> str:
    """What the reader sees for a value outside the setting's range, numbers in their locale."""
    return _("Enter a number from %(min)s to %(max)s.", min=format_decimal(spec.minimum),
             max=format_decimal(spec.maximum))


def places_message(places: int) -> str:
    return _("Use at most %(num)d decimal places.", num=places)


def text_message(key: str) -> str:
    """What the reader sees for a time zone, currency or name the system refuses."""
    if key == "time_zone":
        return _("Enter a time zone by its IANA name, such as Asia/Vladivostok.")
    if key == "currency":
        return _("Enter an ISO 4217 currency code, such as CNY or RUB.")
    if key == "office_language":
        return _("Enter one of the languages HWC speaks: %(codes)s.",
                 codes=", ".join(LANGUAGES))
    if key == "voucher_prefix":
        return _("Use capital letters and digits only (at most %(max)d), not a prefix another "
                 "region uses.", max=SETTINGS[key].maximum)
    if key == "sms_notifications":
        return _("Name steps from this list, separated by spaces: %(steps)s; or “none”.",
                 steps=" ".join(NOTIFIABLE_STEPS))
    if key == "voucher_number_format":
        return _("Start with {prefix} and a hyphen, and use {year} and {seq} once each "
                 "({month} and {seq:6} are optional); other characters: letters, digits, "
                 "hyphen, underscore, dot.")
    if key == "interest_day_count":
        return _("Enter one of: %(values)s.", values=", ".join(DAY_COUNTS))
    if key == "bank_file_columns":
        return _("Name columns from this list, each once, separated by spaces: %(columns)s.",
                 columns=" ".join(BANK_FILE_COLUMNS))
    return _("Use at most %(max)d characters, without line breaks or control characters.",
             max=SETTINGS[key].maximum)


def setting_message(key: str, places: int | None = None) -> str:
    """The message for a value of ``key`` that ``check_setting`` refused."""
    spec = SETTINGS[key]
    if spec.kind is str:
        return text_message(key)
    return range_message(spec) if places is None else places_message(places)


def within(spec: SettingSpec):
    """A validator that refuses values outside ``spec``'s range or with too many places."""

    def validate(form, field) -> None:
        value = field.data
        if value is None:
            return  # the field's own error says why (or, optional, it inherits)
        if isinstance(value, Decimal) and not value.is_finite():  # NaN compares with nothing
            raise ValidationError(range_message(spec))
        if not spec.minimum <= value <= spec.maximum:
            raise ValidationError(range_message(spec))
        if isinstance(value, Decimal) and -value.as_tuple().exponent > spec.places:
            raise ValidationError(places_message(spec.places))

    return validate


def valid_text(key: str):
    """A validator that refuses a time zone, currency or name that ``check_setting`` would."""

    def validate(form, field) -> None:
        if not field.data or not field.data.strip():
            return
        try:
            check_setting(key, field.data)
        except InvalidSetting:
            raise ValidationError(text_message(key)) from None

    return validate


def setting_field(key: str, spec: SettingSpec, *, optional: bool):
    first = Optional() if optional or (spec.kind is str and spec.minimum == 0) \
        else InputRequired(REQUIRED)
    if spec.kind is str:
        return StringField(spec.label, validators=[first, valid_text(key)],
                           render_kw={"autocomplete": "off", "maxlength": spec.maximum})
    validators = [first, within(spec)]
    bounds = {"min": spec.minimum, "max": spec.maximum}
    if spec.kind is Decimal:
        return DecimalField(spec.label, places=None, validators=validators,
                            render_kw={"inputmode": "decimal", "step": "any", **bounds})
    return IntegerField(spec.label, validators=validators,
                        render_kw={"inputmode": "numeric", "step": 1, **bounds})


class DeploymentSettingsForm(FlaskForm):
    """One field per setting, named by its key; ``values()`` gives them typed. The regional
    keys' values here are what regions that set nothing use."""

    @classmethod
    def current(cls) -> "DeploymentSettingsForm":
        """The form filled in with the deployment's settings."""
        return cls(formdata=None, data={key: get_setting(key) for key in SETTINGS})

    @property
    def setting_fields(self) -> list:
        return [self[key] for key in SETTINGS]

    def values(self) -> dict:
        return {key: self[key].data if self[key].data is not None else "" for key in SETTINGS}


class RegionSettingsForm(FlaskForm):
    """One optional field per regional setting; an empty field inherits from above. The
    threshold may have at most the places of the currency that will be in force."""

    def __init__(self, *args, inherited_currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.inherited_currency = inherited_currency

    @property
    def setting_fields(self) -> list:
        return [self[key] for key in REGIONAL_KEYS]

    def values(self) -> dict:
        return {key: self[key].data for key in REGIONAL_KEYS}

    def currency_in_force(self) -> str:
        try:
            return check_setting("currency", self.currency.data or "")
        except InvalidSetting:
            return self.inherited_currency

    def validate_second_approval_above(self, field) -> None:
        if field.errors or field.data is None or not field.data.is_finite():
            return
        places = currency_places(self.currency_in_force())
        try:
            check_setting("second_approval_above", field.data, places=places)
        except SettingOutOfRange:
            raise ValidationError(places_message(places)) from None


for _key, _spec in SETTINGS.items():
    setattr(DeploymentSettingsForm, _key, setting_field(_key, _spec, optional=False))
    if _spec.regional:
        setattr(RegionSettingsForm, _key, setting_field(_key, _spec, optional=True))


class LateInterestRateForm(FlaskForm):
    """A new late-payment interest rate of a region: from which day, and how much a year."""

    effective_from = DateField(
        _l("In force from"),
        validators=[DataRequired(message=_l("Enter the first day the rate applies.")),
                    date_within_bounds])
    rate = DecimalField(
        _l("Rate, percent a year"), places=None,
        validators=[InputRequired(REQUIRED)],  # its bounds: add_late_interest_rate
        render_kw={"inputmode": "decimal", "step": "any", "min": 0, "max": 100})
