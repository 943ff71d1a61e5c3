"""Kannel's two calls (an inbound message, a delivery report), the public status page and, with
the console backend only, the phone simulator."""

import hmac

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from hwc.claims.codes import CodeTypo, InvalidCode, format_code, normalise_code
from hwc.claims.models import Claim
from hwc.core.db import writes
from hwc.extensions import limiter
from hwc.sms.models import MAX_PHONE, MAX_TEXT
from hwc.sms.service import (
    answer_inbound,
    conversation,
    delivery_report,
    normalised_phone,
    status_text,
)

bp = Blueprint("sms", __name__)

MAX_CODE_INPUT = 40


def _from_gateway() -> None:
    """Only the gateway calls these: from an allowed address and, when one is set, with the
    shared secret (``HWC_SMS_GATEWAY_IPS``, ``HWC_SMS_SECRET``)."""
    allowed = current_app.config["HWC_SMS_GATEWAY_IPS"]
    if request.remote_addr not in allowed:
        abort(403)
    secret = current_app.config["HWC_SMS_SECRET"]
    if secret and not hmac.compare_digest(request.args.get("secret", "").encode(),
                                          secret.encode()):
        abort(403)


def _sender() -> str:
    return normalised_phone(request.args.get("from", ""))


@bp.get("/sms/inbound/kannel")
@writes
@limiter.limit(lambda: current_app.config["HWC_SMS_SENDER_LIMIT"], key_func=_sender)
def inbound_kannel():
    """Kannel's sms-service: ``get-url = "http://HOST/sms/inbound/kannel?from=%p&text=%a"``.
    The answer is the reply Kannel sends back, as UCS-2 when it is not GSM-7."""
    from hwc.sms.segments import encoding

    _from_gateway()
    reply = answer_inbound(request.args.get("from", ""), request.args.get("text", "")[:MAX_TEXT])
    response = Response(reply.text, content_type="text/plain; charset=utf-8")
    if encoding(reply.text) != "gsm7":
        response.headers["X-Kannel-Coding"] = "2"
    return response


@bp.get("/sms/dlr/kannel")
@writes
def delivery():
    """Kannel's delivery report: ``dlr-url`` with ``reference`` (our message id) and ``type``
    (Kannel's %d)."""
    _from_gateway()
    found = delivery_report(request.args.get("reference", ""), request.args.get("type", ""))
    return Response(status=204 if found else 404)


@bp.get("/status")
@limiter.limit(lambda: current_app.config["HWC_STATUS_PAGE_LIMIT"])
def status_page():
    """Anyone with a claim code sees its status, what happens next and when it last moved, in
    their own language; nothing personal."""
    typed = request.args.get("code", "")[:MAX_CODE_INPUT]
    claim, problem, text = None, None, None
    if typed.strip():
        try:
            claim = Claim.by_code(normalise_code(typed))
        except CodeTypo:
            problem = _("This code has a typing mistake: please check it.")
        except InvalidCode:
            problem = _("No claim has this code.")
        else:
            if claim is None:
                problem = _("No claim has this code.")
    if claim is not None:
        from flask_babel import get_locale

        text = status_text(claim, str(get_locale()))
    return render_template("sms/status.html", typed=typed, claim=claim, problem=problem,
                           text=text, shown=format_code(claim.code) if claim else None)


class PhoneForm(FlaskForm):
    phone = StringField(validators=[InputRequired(), Length(max=MAX_PHONE)])
    text = TextAreaField(validators=[InputRequired(), Length(max=MAX_TEXT)])


def _console_only() -> None:
    if current_app.config["HWC_SMS_BACKEND"] != "console":
        abort(404)


@bp.route("/dev/phone", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["HWC_STATUS_PAGE_LIMIT"], methods=["POST"])
def phone():
    """A basic phone in the browser, for trying the SMS service without a gateway: text the
    service from any number, and read every message that number got."""
    _console_only()
    form = PhoneForm()
    if request.method == "POST":
        if form.validate_on_submit():
            answer_inbound(form.phone.data, form.text.data)
            return redirect(url_for("sms.phone", number=normalised_phone(form.phone.data)))
        return render_template("sms/phone.html", form=form, messages=[],
                               number=form.phone.data or ""), 422
    number = request.args.get("number", "")[:MAX_PHONE]
    form.phone.data = number
    return render_template("sms/phone.html", form=form, number=number,
                           messages=conversation(number) if number else [])
