"""The claim workflow: the one state machine (``rules``), its guards and effects, and the one
writer of a claim's status (``service.perform``)."""


def init_app(app) -> None:
    pass
