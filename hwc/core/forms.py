"""The settings form, generated from ``SETTINGS`` so that a new setting needs no form code."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField
from wtforms.validators import InputRequired, NumberRange

from hwc.core.settings import SETTINGS, get_setting

REQUIRED = _l("This field is required.")
NOT_NEGATIVE = _l("Enter a number of zero or more.")
TOO_LARGE = _l("This number is too large.")
# Far above any sensible deadline, amount or size, and short enough for the settings table.
LARGEST = 10**15


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


for _key, (_kind, _default, _label) in SETTINGS.items():
    _validators = [InputRequired(REQUIRED), NumberRange(min=0, message=NOT_NEGATIVE),
                   NumberRange(max=LARGEST, message=TOO_LARGE)]
    if _kind is Decimal:
        _field = DecimalField(_label, places=None, validators=_validators,
                              render_kw={"inputmode": "decimal", "min": 0, "step": "any"})
    else:
        _field = IntegerField(_label, validators=_validators,
                              render_kw={"inputmode": "numeric", "min": 0, "step": 1})
    setattr(SettingsForm, _key, _field)
