"""Accounts: users, their roles and scope, logging in and out."""


def init_app(app) -> None:
    from hwc.accounts.views import bp
    from hwc.extensions import login

    app.register_blueprint(bp)
    login.login_view = "accounts.login"
    login.login_message = None
    login.session_protection = "strong"

    @login.user_loader
    def load_user(session_id: str):
        from hwc.accounts.models import User

        return User.from_session_id(session_id)
