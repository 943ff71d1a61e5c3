"""What one public status lookup (the page, the API, an SMS reply) costs the database: the
settings in force in the claim's village come in two queries, not one per setting."""

from sqlalchemy import event

from hwc.core.settings import forget_cached_settings
from hwc.extensions import db
from hwc.regions.settings import REGIONAL_KEYS, jurisdiction_of
from tests.factories import make_claim


def test_the_settings_in_force_for_a_claim_take_two_queries(ctx, demo):
    claim = make_claim("submitted")
    claim.village  # noqa: B018 - loaded before counting
    forget_cached_settings()
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    connection = db.session.connection()
    event.listen(connection.engine, "before_cursor_execute", count)
    try:
        settings = jurisdiction_of(claim)
    finally:
        event.remove(connection.engine, "before_cursor_execute", count)
    assert len(REGIONAL_KEYS) > 2
    assert len(statements) <= 2, statements  # the deployment's values, then the regions'
    assert settings["sms_notifications"]  # and the values are all there
