"""Payment vouchers: numbered, signed, printed as PDFs, paid and voided through the workflow."""


def init_app(app) -> None:
    from hwc.claims.views import ACTION_FORMS
    from hwc.vouchers import effects  # noqa: F401 - the workflow's paying steps
    from hwc.vouchers.forms import PaymentForm, VoidForm
    from hwc.vouchers.operations import vouchers_of
    from hwc.vouchers.views import bp

    app.register_blueprint(bp)
    ACTION_FORMS.update({"record_payment": PaymentForm, "void_voucher": VoidForm})

    @app.template_global("vouchers_of")
    def claim_vouchers(claim):
        """The claim's vouchers for its page (newest first), for whoever may see the claim."""
        from flask_login import current_user

        return vouchers_of(claim, current_user)
