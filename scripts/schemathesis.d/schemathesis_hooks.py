"""schemathesis hooks for scripts/schemathesis: one more check.

A schema-valid request (schemathesis's positive mode) may be refused only for what the
contract cannot state. Every 400 and 422 must say so in its problem document:

- 400: a cursor this API did not issue, or text PostgreSQL cannot store (a NUL character);
- 422: a domain rule (the problem names its `rule`), or field errors whose codes are
  `not_found` (an id of a record that does not exist), `invalid` (a combination of fields),
  `required` (a field required only together with another), `out_of_range` for dates
  relative to today or to another field, and `invalid_format` only for values whose format
  depends on another field (a wallet number on its provider) or on the calendar (a fiscal
  year is two consecutive years), or for lines of an uploaded file.

Any other refusal (a length, a bound, an enum, a type, a pattern the server checks) means the
contract is less strict than the server, and fails the run.
"""

import re

import schemathesis

ALLOWED_400 = {"invalid_cursor", "invalid_text"}
DATE_LIKE = re.compile(r"(^|[._])(date|month|from|to|period_start|period_end|date_of_birth|[a-z_]*_on)($|[._\[])")
FORMAT_ONLY_IN_CONTEXT = re.compile(r"^(number|account_number|fiscal_year|file|body|line:\d+)$")


def field_error_allowed(error: dict) -> bool:
    code, field = error.get("code"), error.get("field", "")
    if code in {"not_found", "invalid", "required"}:
        return True
    if code == "out_of_range":
        return bool(DATE_LIKE.search(field)) or field in {"file"}
    if code == "invalid_format":
        return bool(FORMAT_ONLY_IN_CONTEXT.match(field))
    return False


@schemathesis.check
def refusals_of_valid_data_are_ones_no_schema_can_state(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code not in (400, 422):
        return None
    try:
        problem = response.json()
    except ValueError:
        raise AssertionError(f"{response.status_code} without a problem document")
    if response.status_code == 400:
        if problem.get("code") not in ALLOWED_400 and not (problem.get("error") and case.path.endswith("/auth/token")):
            raise AssertionError(f"schema-valid request refused with 400 {problem.get('code')}: {problem.get('detail')}")
        return None
    if problem.get("rule"):
        return None
    errors = problem.get("errors") or []
    bad = [e for e in errors if not field_error_allowed(e)]
    if not errors or bad:
        raise AssertionError(
            "schema-valid request refused with 422 for what the contract could have declared: "
            + "; ".join(f"{e.get('field')}: {e.get('code')} ({e.get('message')})" for e in (bad or [problem]))
        )
    return None
