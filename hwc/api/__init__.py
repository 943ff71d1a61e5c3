"""The JSON API v1 (see ../shared/API.md): token auth, problem+json errors, OpenAPI document."""


def init_app(app) -> None:
    from hwc.api.problems import problem_response
    from hwc.api.views import bp
    from hwc.core.errors import answer_errors_under
    from hwc.core.security import SELF_AUTHENTICATING_BLUEPRINTS

    app.register_blueprint(bp)
    SELF_AUTHENTICATING_BLUEPRINTS.add(bp.name)
    answer_errors_under(app, "/api/", problem_response)
