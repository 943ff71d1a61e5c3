"""The domain's field errors land beside the form fields they concern; the rest are flashed."""

from flask import get_flashed_messages
from werkzeug.datastructures import MultiDict

from hwc.claims.forms import ClaimantStepForm, LossesStepForm, VerifyForm
from hwc.core.form_errors import show_errors


def test_errors_go_to_the_mapped_field_the_same_named_field_or_the_flash(app):
    with app.test_request_context(method="POST"):
        form = ClaimantStepForm(formdata=MultiDict())
        show_errors(form, {"claimant.phone": ["Not a valid phone number."],
                           "village": ["Choose a village in your area."],
                           "client_uuid": ["Must be a UUID."]},
                    {"claimant.phone": "phone"})
        assert form.phone.errors == ["Not a valid phone number."]
        assert form.village.errors == ["Choose a village in your area."]
        assert get_flashed_messages() == ["Must be a UUID."]


def test_a_row_error_lands_on_that_row_of_the_rows_shown(app):
    data = MultiDict({f"rows-{i}-quantity": "1" for i in range(3)} | {"rows-0-remove": "y"})
    with app.test_request_context(method="POST"):
        form = LossesStepForm(formdata=data)
        kept = [row for row in form.rows if not row.form.remove.data]
        show_errors(form, {"losses[1].quantity": ["Must be more than zero."],
                           "losses[5].unit": ["No such row."],
                           "losses": ["At most 50 losses per claim."]}, {"losses": kept})
        assert form.rows[2].form.quantity.errors == ["Must be more than zero."]
        assert not form.rows[1].form.quantity.errors
        assert get_flashed_messages() == ["No such row.", "At most 50 losses per claim."]


def test_an_assessment_error_is_shown_on_its_row(app):
    data = MultiDict({"verify-rows-0-quantity": "-3", "verify-rows-1-quantity": "2"})
    with app.test_request_context(method="POST"):
        form = VerifyForm(formdata=data, prefix="verify")
        show_errors(form, {"assessed[0].quantity": ["Must be at least 0."],
                           "comment": ["This field is required."]}, {"assessed": "rows"})
        assert form.rows[0].form.quantity.errors == ["Must be at least 0."]
        assert form.comment.errors == ["This field is required."]
        assert get_flashed_messages() == []
