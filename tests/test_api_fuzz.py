"""No 500 from any API input: schemathesis generates requests from the app's own OpenAPI
document (valid and invalid ones), and Hypothesis posts hostile JSON to every JSON body.

Both are bounded and deterministic (``derandomize``): the same cases every run, a few seconds per
operation. Every answer must be below 500, and every refusal a problem document with a title and
a detail; schemathesis also checks each answer against the document (status, type, schema)."""

import copy
import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hwc.api.openapi import PATHS
from hwc.extensions import db
from tests.factories import claim_body, import_rates, make_claim

EXAMPLES = 30  # per operation, role and mode: about a second each
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.data_too_large])
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
# A village officer and an office role; anonymous callers only where the API is public.
ROLES = ("officer", "verifier")
PUBLIC = {("/api/v1/token", "POST"), ("/api/v1/status/{code}", "GET"),
          ("/api/v1/openapi.json", "GET")}
OPERATIONS = sorted((path, method.upper()) for path, item in PATHS.items() for method in item)
CASES = [(role, path, method) for path, method in OPERATIONS for role in ROLES] + [
    (None, path, method) for path, method in OPERATIONS if (path, method) in PUBLIC]


@pytest.fixture
def world(app, demo):
    """Claims in every state an officer or a verifier acts on, one across the border, and the
    id of a photo; returns (codes, evidence id)."""
    with app.app_context():
        import_rates()
        claims = [make_claim(status) for status in ("draft", "submitted", "under_verification",
                                                    "returned", "verified", "rejected")]
        russian = claim_body(village="RU-PRI-KHS-KR")
        russian["claimant"]["phone"] = "+79241234567"
        claims.append(make_claim("draft", officer="ru_officer", body=russian))
        db.session.commit()
        return [claim.code for claim in claims], claims[0].evidence[0].id


def token(app, username: str, password: str) -> dict:
    response = app.test_client().post("/api/v1/token",
                                      json={"username": username, "password": password})
    assert response.status_code == 200
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def assert_answer_is_not_an_error(case, response) -> None:
    assert response.status_code < 500, case.as_curl_command()
    if response.status_code >= 400:
        assert response.headers["content-type"] == ["application/problem+json"]
        problem = response.json()
        assert problem["title"] and problem["detail"], problem
    case.validate_response(response, checks=CHECKS)


def case_strategies(operation, mode, headers, codes, evidence_id):
    """Cases for ``operation``: with generated path values, and (to get past the 404) with the
    code of each claim of the world; in negative mode only where something is left to break."""
    inputs = [p.name for p in operation.iter_parameters() if p.location != "header"]
    positive = mode is GenerationMode.POSITIVE
    strategies = []
    if positive or inputs or operation.body:
        strategies.append(operation.as_strategy(generation_mode=mode, headers=headers))
    if "{code}" in operation.path and (positive or set(inputs) - {"code"} or operation.body):
        for code in codes:
            strategies.append(operation.as_strategy(
                generation_mode=mode, headers=headers, path_parameters={"code": code}))
    if "{evidence_id}" in operation.path and positive:
        strategies.append(operation.as_strategy(
            generation_mode=mode, headers=headers,
            path_parameters={"code": codes[0], "evidence_id": evidence_id}))
    if positive:
        strategies += operation.get_strategies_from_examples(headers=headers)
    return strategies


@pytest.mark.parametrize(("role", "path", "method"), CASES)
def test_generated_requests_get_no_server_error_and_problem_documents(app, demo, world, role,
                                                                      path, method):
    codes, evidence_id = world
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema[path][method]
    headers = token(app, role, demo) if role else {}
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        strategies = case_strategies(operation, mode, headers, codes, evidence_id)
        if not strategies:
            continue

        @FUZZ
        @given(case=st.one_of(strategies))
        def answers_without_error(case):
            assert_answer_is_not_an_error(case, case.call())

        answers_without_error()


def test_every_api_operation_is_fuzzed_as_a_user_and_public_ones_anonymously(app):
    routes = {(rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}"), method)
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert {(path, method) for _role, path, method in CASES} == routes
    public = {(path, method) for role, path, method in CASES if role is None}
    assert public == PUBLIC


# --- hostile JSON: any value anywhere in the bodies the API reads -----------------------------

TEXT = st.text(st.characters(exclude_categories=()), max_size=12)  # lone surrogates included
LEAVES = (st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30)
          | st.floats() | TEXT | st.sampled_from(["1e999", "1e-999999", "999999999999", "-0",
                                                  "NaN", "0001-01-01T00:00:00+14:00",
                                                  "9999-12-31T23:59:59-14:00", "", " ", "\x00"]))
VALUES = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(TEXT, inner, max_size=3), max_leaves=12)
RAW = st.one_of(
    st.integers(min_value=1, max_value=5000).map(lambda n: "[" * n + "]" * n),
    st.integers(min_value=1, max_value=5000).map(lambda n: '{"a":' * n + "1" + "}" * n),
    st.sampled_from(["", "{", "[1,]", '{"a": NaN}', '{"a": 1e999999}', "9" * 5000, "\ufeff{}",
                     '{"a": "\\ud800"}', '{"\\udfff": 1}', "null", "[]", '"text"']),
    st.binary(max_size=64).map(lambda raw: raw.decode("latin-1")),
)


def leaf_paths(value, path=()):
    """Every place in a JSON value, as a path of keys and indexes."""
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from leaf_paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from leaf_paths(child, (*path, index))


def replaced(body, path, value):
    if not path:
        return value
    body = copy.deepcopy(body)
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


def hostile_bodies(valid: dict):
    """A valid body with one place replaced by any JSON value, or a raw text that is barely (or
    not at all) JSON."""
    places = list(leaf_paths(valid))
    mutated = st.builds(replaced, st.just(valid), st.sampled_from(places), VALUES)
    added = st.builds(lambda key, value: {**valid, key: value}, TEXT, VALUES)
    return st.one_of(mutated.map(json.dumps), added.map(json.dumps), RAW)


@pytest.mark.parametrize(("username", "path", "valid"), [
    (None, "/api/v1/token", {"username": "officer", "password": "not-the-password"}),
    ("officer", "/api/v1/claims", claim_body(client_uuid="0b7d2f1f-8c4b-4d4e-9a57-6f1c7e0e4a11")),
    ("officer", "/api/v1/claims/{draft}/transitions", {"action": "submit", "comment": "x"}),
    ("officer", "/api/v1/claims/{returned}/transitions",
     {"action": "resubmit", "comment": "more", "losses": claim_body()["losses"],
      "incident": claim_body()["incident"], "claimant": claim_body()["claimant"]}),
    ("verifier", "/api/v1/claims/{under_verification}/transitions",
     {"action": "verify", "findings": "tracks", "version": 1,
      "assessed": [{"index": 0, "quantity": "1", "unit_value": "100"}]}),
    ("verifier", "/api/v1/claims/{under_verification}/transitions",
     {"action": "propose_rejection", "reason": "duplicate", "comment": "twice"}),
])
def test_hostile_json_bodies_are_refused_with_a_problem(app, demo, world, username, path, valid):
    codes, _evidence_id = world
    url = path.format(draft=codes[0], under_verification=codes[2], returned=codes[3])
    client = app.test_client()
    headers = token(app, username, demo) if username else {}

    @settings(FUZZ, max_examples=60)
    @given(body=hostile_bodies(valid))
    def answers_without_error(body):
        response = client.post(url, data=body, content_type="application/json",
                               headers=headers)
        shown = repr(body)[:300]
        assert response.status_code < 500, shown
        if response.status_code >= 400:
            assert response.content_type == "application/problem+json", shown
            problem = response.get_json()
            assert problem["title"] and problem["detail"], problem

    answers_without_error()
