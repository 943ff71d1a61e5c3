"""Residents' text messages: the status by SMS, a notification on each step, the gateway."""


def init_app(app) -> None:
    from hwc.extensions import csrf
    from hwc.jobs.queue import register
    from hwc.sms import models  # noqa: F401 - the tables
    from hwc.sms.service import SEND_JOB, messages_of, send_queued
    from hwc.sms.views import bp, delivery, inbound_kannel
    from hwc.workflow.signals import claim_transitioned

    app.register_blueprint(bp)
    csrf.exempt(inbound_kannel)
    csrf.exempt(delivery)
    register(SEND_JOB, send_queued)
    claim_transitioned.connect(_notify_receiver, weak=False)
    app.add_template_global(messages_of, "sms_messages_of")


def _notify_receiver(claim, **kwargs) -> None:
    from hwc.sms.service import notify

    notify(claim, **kwargs)
