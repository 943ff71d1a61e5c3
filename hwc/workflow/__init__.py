"""The claim workflow: the one state machine, and the hash-chained, signed audit trail."""


def init_app(app) -> None:
    from hwc.workflow import models  # noqa: F401 - registers the tables
