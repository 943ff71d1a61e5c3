"""The paying steps' forms on the claim page (each lists in ``data_fields`` what it passes to
the workflow step besides the comment), and the voucher page's button."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from hwc.claims.forms import CommentForm
from hwc.core.edge import date_within_bounds
from hwc.vouchers.models import MAX_REASON, MAX_REFERENCE, PaymentMethod


class PaymentForm(CommentForm):
    data_fields = ("method", "reference", "paid_on")
    method = SelectField(_l("How it was paid"), choices=PaymentMethod.choices())
    reference = StringField(_l("Reference (bank transfer, mobile payment or receipt)"),
                            validators=[Length(max=MAX_REFERENCE)],
                            render_kw={"autocomplete": "off", "maxlength": MAX_REFERENCE})
    paid_on = DateField(_l("Paid on (empty: today)"), validators=[Optional(), date_within_bounds])


class VoidForm(FlaskForm):
    """Voiding needs its reason: the step's comment."""

    comment = TextAreaField(_l("Why the voucher is void"),
                            validators=[Length(max=MAX_REASON)])
    version = HiddenField()


class RevealForm(FlaskForm):
    """The button that shows the whole bank account (and records that it was shown)."""
