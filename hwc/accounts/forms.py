"""Forms of the accounts pages: logging in, and the administrator's user pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from hwc.accounts.models import Role
from hwc.accounts.operations import MAX_FULL_NAME_LENGTH, MIN_PASSWORD_LENGTH
from hwc.core.choices import choices
from hwc.core.i18n import language_names
from hwc.regions.operations import regions_in_scope


class LoginForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(message=_l("Enter your username.")), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Enter your password.")), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


def region_choices(actor, blank_label) -> list:
    """The regions ``actor`` administers, in tree order, indented by depth and named in the
    reader's language."""
    regions = regions_in_scope(actor)
    options = [("", blank_label)]
    for region in regions:
        depth = region.path.strip("/").count("/")
        label = "\u00a0\u00a0\u00a0" * depth + f"{region.display_name()} ({region.code})"
        options.append((region.code, label))
    return choices(options)


class UserForm(FlaskForm):
    """What an administrator may change about a user."""

    @classmethod
    def of(cls, user, *, actor) -> "UserForm":
        """The form filled in with the user's current values."""
        return cls(formdata=None, actor=actor, full_name=user.full_name, role=user.role.value,
                   senior=user.senior, region=user.region.code if user.region else "",
                   language=user.language)

    # A post without the field (not a browser's) means no name, never None.
    full_name = StringField(_l("Full name"), validators=[Length(max=MAX_FULL_NAME_LENGTH)],
                            filters=[lambda value: value or ""])
    role = SelectField(_l("Role"), choices=Role.choices())
    senior = BooleanField(_l("Senior approver (may give the second approval)"))
    region = SelectField(_l("Area"), invalid_choice_message=_l("Choose an area within your own."))
    language = SelectField(_l("Language"))

    def __init__(self, *args, actor, **kwargs):
        """``actor``: the administrator filling it in, who may choose only their own areas;
        only root may leave the area empty (an administrator of the whole system)."""
        super().__init__(*args, **kwargs)
        blank = (_l("— none (administrators only) —") if actor.administers(None)
                 else _l("— choose an area —"))
        self.region.choices = region_choices(actor, blank)
        self.language.choices = choices(language_names())


class NewUserForm(UserForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(message=_l("Enter a username.")), Length(max=64)],
        render_kw={"autocomplete": "off", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Enter a password.")), Length(max=256)],
        render_kw={"autocomplete": "new-password", "minlength": MIN_PASSWORD_LENGTH},
    )
    confirm = PasswordField(
        _l("Password again"),
        validators=[EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )


class PasswordResetForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(message=_l("Enter a password.")), Length(max=256)],
        render_kw={"autocomplete": "new-password", "minlength": MIN_PASSWORD_LENGTH},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )


class ConfirmForm(FlaskForm):
    """A button that changes state: nothing but the CSRF token."""
