"""No 500 from any form: junk posted to every HTML form (and every filter in a query string) of
the URL map, as a user allowed there. Refusals carry a message; nothing is a server error."""

from werkzeug.routing import IntegerConverter

from hwc.core.edge import MAX_ID


def test_every_integer_in_a_url_is_bounded_by_the_database(app):
    bounded = []
    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            if isinstance(converter, IntegerConverter):
                assert converter.max is not None and converter.max <= MAX_ID, (rule.rule, name)
                bounded.append(rule.endpoint)
    assert {"accounts.edit_user", "rates.schedule", "claims.evidence_file"} <= set(bounded)
