"""Schemathesis hooks for tests/test_api_fuzz.py (loaded through SCHEMATHESIS_HOOKS in the
`st run` subprocess, never imported by pytest itself).

- `problem_json_errors`: every 4xx/5xx answer is RFC 9457 problem+json with a `type`, a `title`
  and the answer's own `status`.
- Path parameters: besides the generated value, draw the ids of rows the test seeded
  (YISHI_FUZZ_PATH_VALUES, JSON `{"/api/v1/path/{param}": {"param": [values…]}}`), so
  operations are also reached past their 404.
"""

from __future__ import annotations

import json
import os
from typing import Any

import schemathesis
from hypothesis import strategies as st

PROBLEM_TYPE = "application/problem+json"
_PATH_VALUES: dict[str, dict[str, list[Any]]] = json.loads(
    os.environ.get("YISHI_FUZZ_PATH_VALUES") or "{}"
)


@schemathesis.check
def problem_json_errors(ctx: Any, response: Any, case: Any) -> bool | None:
    """An error answer is problem+json: `type`, `title` and `status` equal to the HTTP status."""
    if response.status_code < 400:
        return None
    text = response.content[:300].decode("utf-8", "replace")
    content_type = (response.headers.get("content-type") or [""])[0]
    if content_type.split(";")[0].strip().lower() != PROBLEM_TYPE:
        raise AssertionError(
            f"{response.status_code} answered with Content-Type {content_type!r}, "
            f"not {PROBLEM_TYPE}: {text}"
        )
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        raise AssertionError(f"problem+json body is not JSON: {text}") from exc
    if not isinstance(body, dict):
        raise AssertionError(f"problem+json body is not an object: {body!r}")
    for member in ("type", "title"):
        if not isinstance(body.get(member), str) or not body[member]:
            raise AssertionError(f"problem+json body has no {member}: {body!r}")
    if body.get("status") != response.status_code:
        raise AssertionError(
            f"problem+json status {body.get('status')!r} differs from HTTP {response.status_code}"
        )
    return None


@schemathesis.hook
def flatmap_path_parameters(ctx: Any, path_parameters: dict[str, Any] | None) -> Any:
    operation = ctx.operation
    known = _PATH_VALUES.get(operation.path) if operation else None
    if not path_parameters or not known:
        return st.just(path_parameters)
    real = {
        name: st.sampled_from(values)
        for name, values in known.items()
        if name in path_parameters and values
    }
    if not real:
        return st.just(path_parameters)
    # Half the time the generated values, half the time seeded rows' ids.
    return st.one_of(
        st.just(path_parameters),
        st.fixed_dictionaries(real).map(lambda ids: {**path_parameters, **ids}),
    )
