"""The loss vocabulary: kinds of loss, the categories and units of each kind (data an
administrator extends per jurisdiction) and the conditions a loss is found in. It sits below
``claims`` and ``rates``, which both speak it."""


def init_app(app) -> None:
    from hwc.losses import models, vocabulary  # noqa: F401 - registers the table
    from hwc.losses.views import bp

    app.register_blueprint(bp)
    app.add_template_filter(vocabulary.kind_title, "kind_title")
    app.add_template_filter(vocabulary.category_title, "category_title")
    app.add_template_filter(vocabulary.unit_title, "unit_title")
