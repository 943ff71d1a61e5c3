"""The OpenAPI 3.1 description of API v1; a test checks it against the registered routes."""

from hwc.claims.models import ClaimStatus, Species
from hwc.claims.validation import MAX_ITEMS
from hwc.config import LANGUAGES
from hwc.core.edge import MAX_ID
from hwc.losses.models import Condition
from hwc.vouchers.models import MAX_REASON, MAX_REFERENCE, PaymentMethod, VoucherStatus
from hwc.workflow.rules import ACTION_FIELDS, ACTIONS, REJECTION_REASONS, transitions_for


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


MAX_PAGE = 100_000  # of GET /api/v1/claims
PROBLEM = {"description": "Problem details (RFC 9457)",
           "content": {"application/problem+json": {"schema": _ref("Problem")}}}
MONEY = {"type": ["string", "null"], "pattern": r"^-?\d+(\.\d+)?$",
         "description": "Decimal string with the currency's places"}
# What the input parsers accept: at most 12 digits before the point and 6 after.
DECIMAL = {"type": "string", "pattern": r"^\d{1,12}(\.\d{1,6})?$", "maxLength": 19}
VOCABULARY_CODE = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,31}$"}
CODE_PARAM = {"name": "code", "in": "path", "required": True,
              "schema": {"type": "string",
                         "pattern": r"^[0-9A-Za-z*~$=][0-9A-Za-z*~$= ._-]{8,31}$"},
              "description": "Claim code: 8 symbols and a check symbol, e.g. 7K3M-Q9TX-D "
                             "(case, spaces and hyphens ignored)"}


NUMBER_PARAM = {"name": "number", "in": "path", "required": True,
                "schema": {"type": "string", "pattern": r"^[A-Za-z0-9._-]{1,64}$"},
                "description": "Voucher number, e.g. HC-202611-00042"}


def _text(max_length: int, **extra) -> dict:
    return {"type": "string", "maxLength": max_length, **extra}


def _errors(*codes: int) -> dict:
    """The problems an operation answers with; any may be a 400 (a request with a NUL
    character, or a body that is not JSON, is refused before the operation sees it)."""
    return {str(code): PROBLEM for code in sorted({400, *codes})}


# The fields a transition body may carry, beyond ``action`` (see ACTION_FIELDS).
TRANSITION_FIELDS = {
    "comment": _text(4000),
    "version": {"type": "integer", "minimum": 1,
                "description": "Row version for optimistic locking"},
    "reason": {"enum": list(REJECTION_REASONS)},
    "findings": _text(4000),
    "assessed": {"type": "array", "maxItems": MAX_ITEMS, "items": {
        "type": "object", "required": ["index"], "properties": {
            "index": {"type": "integer", "minimum": 0, "maximum": MAX_ITEMS - 1,
                      "description": "Position of the loss in losses"},
            "quantity": {"oneOf": [DECIMAL, {"type": "null"}]}, "unit_value": MONEY}}},
    "claimant": _ref("ClaimantInput"), "incident": _ref("IncidentInput"),
    "losses": _ref("Losses"),
    "method": {"enum": [m.value for m in PaymentMethod]},
    "reference": _text(MAX_REFERENCE, description="The bank's or the mobile payment's "
                                                  "reference (may be empty for cash)"),
    "paid_on": {"type": "string", "format": "date", "description": (
        "The day it was paid, between the voucher's date and today (default: today)")},
}


def _transition(action: str) -> dict:
    """The body of one action: exactly the fields it reads, and those it cannot do without."""
    names = ("comment", "version", *ACTION_FIELDS.get(action, ()))
    required = ["action", *(["comment"] if any(t.comment_required for t in
                                               transitions_for(action)) else []),
                *(["reason"] if "reason" in names else [])]
    return {"type": "object", "title": action, "required": required,
            "additionalProperties": False,
            "properties": {"action": {"const": action},
                           **{name: TRANSITION_FIELDS[name] for name in names}}}


SCHEMAS = {
    "Problem": {"type": "object", "required": ["type", "title", "status", "detail"],
                "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                               "status": {"type": "integer"}, "detail": {"type": "string"},
                               "errors": {"type": "object", "additionalProperties": {
                                   "type": "array", "items": {"type": "string"}}}}},
    "Token": {"type": "object", "required": ["token", "expires_at"],
              "properties": {"token": {"type": "string"},
                             "expires_at": {"type": "string", "format": "date-time"}}},
    "Me": {"type": "object", "properties": {
        "username": {"type": "string"}, "role": {"type": "string"}, "senior": {"type": "boolean"},
        "language": {"type": "string"}, "regions": {"type": "array", "items": {"type": "string"}}}},
    "Region": {"type": "object", "properties": {
        "code": {"type": "string"}, "name": {"type": "string"}, "level": {"type": "string"},
        "parent": {"type": ["string", "null"]}}},
    "ClaimantInput": {"type": "object", "required": ["name", "phone"], "properties": {
        "name": _text(128, minLength=1), "phone": _text(32, minLength=1, description=(
            "E.164 (+8613800000000), or a national number of the village's country")),
        "language": {"enum": list(LANGUAGES)},
        "id_number": _text(40, description="4 to 32 letters and digits (spaces and hyphens "
                                            "ignored)"),
        "bank_account": _text(64),
        "id": {"type": "integer", "minimum": 1, "maximum": MAX_ID, "description": (
            "An existing claimant in the caller's area to file for: that record is used "
            "(an id outside the area answers 404)")}}},
    "IncidentInput": {"type": "object", "required": ["occurred_at", "species"], "properties": {
        "occurred_at": {"type": "string", "format": "date-time", "description": (
            "With an offset; not before 2000-01-01 and not in the future")},
        "species": {"enum": [s.value for s in Species]},
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "lon": {"type": "number", "minimum": -180, "maximum": 180},
        "accuracy": {"type": "number", "minimum": 0, "maximum": 100000},
        "narrative": _text(4000)}},
    "LossInput": {"type": "object", "required": ["kind", "category", "condition", "quantity",
                                                 "unit"],
                  "properties": {
                      # Codes of the loss vocabulary that applies in the claim's village.
                      "kind": VOCABULARY_CODE, "category": VOCABULARY_CODE,
                      "condition": {"enum": [c.value for c in Condition]},
                      "quantity": DECIMAL, "unit": VOCABULARY_CODE,
                      "claimed_value": MONEY, "damage_share": DECIMAL,
                      "growth_stage": _text(32), "age_class": _text(32),
                      "description": _text(255)}},
    "Losses": {"type": "array", "minItems": 1, "maxItems": MAX_ITEMS,
               "items": _ref("LossInput")},
    "ClaimCreate": {"type": "object",
                    "required": ["client_uuid", "village", "claimant", "incident", "losses"],
                    "properties": {
                        "client_uuid": {"type": "string", "format": "uuid"},
                        "village": {"type": "string", "description": "Code of a village in "
                                                                     "the caller's area"},
                        "claimant": _ref("ClaimantInput"), "incident": _ref("IncidentInput"),
                        "losses": _ref("Losses")},
                    "example": {
                        "client_uuid": "6f1c7e0e-8c4b-4d4e-9a57-0b7d2f1f4a11",
                        "village": "CN-JL-HC-CH-CM",
                        "claimant": {"name": "张桂兰", "phone": "+8613800000001",
                                     "language": "zh_Hans", "id_number": "222401196501011234"},
                        "incident": {"occurred_at": "2026-11-20T06:30:00+08:00",
                                     "species": "amur_tiger", "lat": 42.87, "lon": 130.36,
                                     "narrative": "夜间老虎咬死两头牛"},
                        "losses": [{"kind": "livestock", "category": "cattle",
                                    "condition": "dead", "quantity": "2", "unit": "head",
                                    "claimed_value": "24000.00"},
                                   {"kind": "crop", "category": "maize",
                                    "condition": "damaged", "quantity": "3.5", "unit": "mu"}]}},
    "Amounts": {"type": "object", "properties": {
        k: MONEY for k in ("claimed", "assessed", "approved", "paid", "current")}},
    "ClaimSummary": {"type": "object", "properties": {
        "code": {"type": "string"}, "status": {"enum": [s.value for s in ClaimStatus]},
        "status_label": {"type": "string"}, "village": {"type": "string"},
        "time_zone": {"type": "string", "description": "IANA name of the village's time "
                      "zone; every time of the claim is given in it, with its offset"},
        "species": {"type": "string"}, "occurred_at": {"type": "string"},
        "reported_at": {"type": "string"}, "currency": {"type": "string"},
        "amounts": _ref("Amounts"), "due_at": {"type": ["string", "null"]},
        "overdue": {"type": "boolean"}, "version": {"type": "integer"}}},
    "Claim": {"allOf": [_ref("ClaimSummary"), {"type": "object", "properties": {
        "claimant": {"type": "object"}, "incident": {"type": "object"},
        "losses": {"type": "array", "items": {"type": "object"}},
        "evidence": {"type": "array", "items": _ref("Evidence")},
        "rate_schedule": {"type": ["object", "null"]},
        "events": {"type": "array", "items": {"type": "object"}},
        "flags": {"type": "array", "items": {"type": "object", "properties": {
            "code": {"type": "string"}, "label": {"type": "string"},
            "detail": {"type": "string"}}}},
        "deadlines": {"type": "object"},
        "actions": {"type": "array", "items": {"enum": list(ACTIONS)}}}}]},
    "ClaimPage": {"type": "object", "properties": {
        "items": {"type": "array", "items": _ref("ClaimSummary")}, "page": {"type": "integer"},
        "per_page": {"type": "integer"}, "total": {"type": "integer"}}},
    "Evidence": {"type": "object", "properties": {
        "id": {"type": "integer"}, "content_type": {"type": "string"},
        "sha256": {"type": "string"}, "captured_at": {"type": ["string", "null"]},
        "lat": {"type": ["number", "null"]}, "lon": {"type": ["number", "null"]},
        "caption": {"type": "string"}, "url": {"type": "string"}}},
    "Transition": {"type": "object", "required": ["action"],
                   "properties": {"action": {"enum": list(ACTIONS)}},
                   "description": "An action and the fields it takes; any other field is "
                                  "refused (422).",
                   "oneOf": [_transition(action) for action in ACTIONS]},
    "Voucher": {"type": "object", "required": ["number", "amount", "currency", "status",
                                               "pdf_url", "verify_url"], "properties": {
        "number": {"type": "string"}, "status": {"enum": [s.value for s in VoucherStatus]},
        "status_label": {"type": "string"}, "claim": {"type": "string"},
        "amount": MONEY, "currency": {"type": "string"},
        "issued_on": {"type": "string", "format": "date"}, "issued_at": {"type": "string"},
        "authority": {"type": "string"},
        "payee": {"type": "object", "description": "Name; identity number and bank account "
                                                   "masked"},
        "payment": {"type": ["object", "null"]}, "void": {"type": ["object", "null"]},
        "key_fingerprint": {"type": "string"}, "pdf_url": {"type": "string"},
        "verify_url": {"type": "string", "description": "What the QR code holds: the public "
                                                        "page that says valid, paid, void or "
                                                        "forged"}}},
    "PublicStatus": {"type": "object", "properties": {
        "code": {"type": "string"}, "status": {"type": "string"},
        "status_label": {"type": "string"}, "updated_at": {"type": "string"}}},
}

PATHS = {
    "/api/v1/token": {"post": {
        "summary": "Get a token for a username and password", "security": [],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["username", "password"],
            "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}}}},
        "responses": {"200": _json(_ref("Token"), "A bearer token"),
                      **_errors(400, 401, 422, 429)}},
        "delete": {"summary": "Revoke the token used for this call", "responses": {
            "204": {"description": "Revoked: the token no longer works"}, **_errors(401)}}},
    "/api/v1/me": {"get": {"summary": "The caller", "responses": {
        "200": _json(_ref("Me"), "The caller"), **_errors(401)}}},
    "/api/v1/regions": {"get": {"summary": "Regions in the caller's scope", "responses": {
        "200": _json({"type": "array", "items": _ref("Region")}, "Regions"), **_errors(401)}}},
    "/api/v1/claims": {
        "post": {"summary": "File a draft claim (idempotent by client_uuid)",
                 "requestBody": {"required": True, "content": {
                     "application/json": {"schema": _ref("ClaimCreate")}}},
                 "responses": {"201": _json(_ref("Claim"), "Created"),
                               "200": _json(_ref("Claim"), "Already filed with this client_uuid"),
                               **_errors(400, 401, 403, 404, 422)}},
        "get": {"summary": "A page of claims in scope", "parameters": [
            {"name": "status", "in": "query", "schema": {
                "enum": [s.value for s in ClaimStatus]}},
            {"name": "region", "in": "query", "schema": {"type": "string"}},
            {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                       "maximum": MAX_PAGE}}],
                "responses": {"200": _json(_ref("ClaimPage"), "Claims"), **_errors(401, 422)}}},
    "/api/v1/claims/{code}": {"get": {"summary": "A claim", "parameters": [CODE_PARAM],
                                      "responses": {"200": _json(_ref("Claim"), "The claim"),
                                                    **_errors(401, 404, 422)}}},
    "/api/v1/claims/{code}/evidence": {"post": {
        "summary": "Upload a photo (field `file`, optional `caption`)",
        "parameters": [CODE_PARAM],
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"},
                           "caption": {"type": "string"}}}}}},
        "responses": {"201": _json(_ref("Evidence"), "Stored"),
                      **_errors(401, 403, 404, 413, 422, 503)}}},
    "/api/v1/claims/{code}/evidence/{evidence_id}": {"get": {
        "summary": "An evidence photo (re-encoded JPEG)",
        "parameters": [CODE_PARAM, {"name": "evidence_id", "in": "path", "required": True,
                                    "schema": {"type": "integer", "minimum": 1,
                                               "maximum": MAX_ID}}],
        "responses": {"200": {"description": "JPEG", "content": {"image/jpeg": {}}},
                      **_errors(401, 404, 422)}}},
    "/api/v1/claims/{code}/transitions": {"post": {
        "summary": "Take a workflow action", "parameters": [CODE_PARAM],
        "requestBody": {"required": True, "content": {
            "application/json": {"schema": _ref("Transition")}}},
        "responses": {"200": _json(_ref("Claim"), "The claim after the action"),
                      **_errors(400, 401, 403, 404, 409, 422)}}},
    "/api/v1/claims/{code}/voucher": {"post": {
        "summary": "Issue the voucher of an approved claim (finance)", "parameters": [CODE_PARAM],
        "responses": {"201": _json(_ref("Voucher"), "Issued: a new number"),
                      **_errors(401, 403, 404, 409, 422)}}},
    "/api/v1/vouchers/{number}": {"get": {
        "summary": "A voucher in scope", "parameters": [NUMBER_PARAM],
        "responses": {"200": _json(_ref("Voucher"), "The voucher"), **_errors(401, 404)}}},
    "/api/v1/vouchers/{number}.pdf": {"get": {
        "summary": "A voucher's PDF", "parameters": [NUMBER_PARAM],
        "responses": {"200": {"description": "PDF", "content": {"application/pdf": {}}},
                      **_errors(401, 404)}}},
    "/api/v1/vouchers/{number}/payment": {"post": {
        "summary": "Record the payment of an issued voucher (finance)",
        "parameters": [NUMBER_PARAM],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["method"], "additionalProperties": False,
            "properties": {key: TRANSITION_FIELDS[key]
                           for key in ("method", "reference", "paid_on")}}}}},
        "responses": {"200": _json(_ref("Voucher"), "Paid"),
                      **_errors(401, 403, 404, 409, 422)}}},
    "/api/v1/vouchers/{number}/void": {"post": {
        "summary": "Void an issued voucher, keeping its number (finance)",
        "parameters": [NUMBER_PARAM],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["reason"], "additionalProperties": False,
            "properties": {"reason": _text(MAX_REASON, minLength=1)}}}}},
        "responses": {"200": _json(_ref("Voucher"), "Void"),
                      **_errors(401, 403, 404, 409, 422)}}},
    "/api/v1/status/{code}": {"get": {
        "summary": "Public status of a claim (nothing personal)", "security": [],
        "parameters": [CODE_PARAM],
        "responses": {"200": _json(_ref("PublicStatus"), "Status"),
                      **_errors(404, 422, 429)}}},
    "/api/v1/openapi.json": {"get": {"summary": "This document", "security": [],
                                     "responses": {"200": {"description": "OpenAPI 3.1"},
                                                   **_errors()}}},
}


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "HWC API", "version": "1.0.0",
                 "description": "Human-wildlife conflict compensation claims. Errors are "
                                "application/problem+json in the Accept-Language locale."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": SCHEMAS},
        "paths": PATHS,
    }
