"""The audit trail: an append-only, hash-chained and signed record of every change any feature
makes (``record_event`` in ``trail``), its event kinds and their titles (``events``), and
``flask hwc audit`` to verify it and sign checkpoints."""


def init_app(app) -> None:
    from hwc.audit import models  # noqa: F401 - registers the tables
