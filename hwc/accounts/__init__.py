"""Accounts: users, their roles and scope, logging in and out."""


def init_app(app) -> None:
    from hwc.accounts.views import bp
    from hwc.extensions import login

    app.register_blueprint(bp)
    login.login_view = "accounts.login"
    login.login_message = None
    login.session_protection = "strong"

    @app.context_processor
    def page_access():
        from flask_login import current_user

        from hwc.accounts.access import can_open, navigation

        return {"can_open": lambda endpoint: can_open(current_user, endpoint),
                "navigation": lambda: navigation(current_user)}

    @login.user_loader
    def load_user(session_token: str):
        from hwc.accounts.sessions import user_for_session

        return user_for_session(session_token)

    @app.before_request
    def note_session_activity():
        from flask import request
        from flask_login import current_user

        from hwc.accounts.sessions import note_activity

        if request.endpoint != "static" and current_user.is_authenticated:
            note_activity(current_user)
