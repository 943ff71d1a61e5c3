"""The settings form, generated from ``SETTINGS`` so that a new setting needs no form code."""

from decimal import Decimal

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField
from wtforms.validators import InputRequired, ValidationError

from hwc.core.settings import SETTINGS, SettingSpec, get_setting

REQUIRED = _l("This field is required.")


def range_message(spec: SettingSpec) -> str:
    """What the reader sees for a value outside the setting's range, numbers in their locale."""
    return _("Enter a number from %(min)s to %(max)s.", min=format_decimal(spec.minimum),
             max=format_decimal(spec.maximum))


def within(spec: SettingSpec):
    """A validator that refuses values outside ``spec``'s range or with too many places."""

    def validate(form, field) -> None:
        value = field.data
        if value is None:
            return  # the field's own error says why
        if isinstance(value, Decimal) and not value.is_finite():  # NaN compares with nothing
            raise ValidationError(range_message(spec))
        if not spec.minimum <= value <= spec.maximum:
            raise ValidationError(range_message(spec))
        if isinstance(value, Decimal) and -value.as_tuple().exponent > spec.places:
            raise ValidationError(_("Use at most %(num)d decimal places.", num=spec.places))

    return validate


class SettingsForm(FlaskForm):
    """One field per setting, named by its key; ``values()`` gives them typed."""

    @classmethod
    def current(cls) -> "SettingsForm":
        """The form filled in with the settings in force."""
        return cls(formdata=None, data={key: get_setting(key) for key in SETTINGS})

    @property
    def setting_fields(self) -> list:
        return [self[key] for key in SETTINGS]

    def values(self) -> dict:
        return {key: self[key].data for key in SETTINGS}


for _key, _spec in SETTINGS.items():
    _validators = [InputRequired(REQUIRED), within(_spec)]
    _bounds = {"min": _spec.minimum, "max": _spec.maximum}
    if _spec.kind is Decimal:
        _field = DecimalField(_spec.label, places=None, validators=_validators,
                              render_kw={"inputmode": "decimal", "step": "any", **_bounds})
    else:
        _field = IntegerField(_spec.label, validators=_validators,
                              render_kw={"inputmode": "numeric", "step": 1, **_bounds})
    setattr(SettingsForm, _key, _field)
