"""The whole API fuzzed by schemathesis against a live server, as an anonymous caller, an
applicant and a window clerk: 20 generated examples per operation (valid and invalid input,
plus schemathesis' boundary cases), and for every answer no server error, only status codes
the schema documents for the operation, and every error as problem+json (the custom check in
tests/schemathesis_hooks.py).

PostgreSQL only (the production database; the SQLite pass deselects it) and "transactional"
(the live server reads committed rows), so `make test` runs it in its single-process pass.
The world it fuzzes is the route-by-role test's (tests/access_world.py): path parameters are
drawn half from schemathesis and half from the ids of its rows, so operations are also
reached past their 404.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils.crypto import get_random_string

from tests.access_world import build_world, describe

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[1]
SEED = "20261207"
MAX_EXAMPLES = "20"
CHECKS = ("not_a_server_error", "status_code_conformance", "problem_json_errors")
# The stateful phase needs links between operations, which the schema does not declare.
PHASES = "examples,coverage,fuzzing"
# Two operations at a time: schemathesis generates the next case while the server answers.
WORKERS = "2"
# A safety net only: about a minute per identity on an idle machine.
RUN_TIMEOUT_SECONDS = 900


def path_values(ids: dict[str, object]) -> dict[str, dict[str, list[object]]]:
    """For each templated path, the seeded rows' ids its parameters may take."""
    v1 = "/api/v1"
    numbers = [ids["number"], ids["waiting"]]
    policies = [ids["policy"], ids["company_policy"]]
    return {
        **{
            f"{v1}/applications/{{number}}{tail}": {"number": numbers}
            for tail in (
                "",
                "/accept",
                "/supplement",
                "/supplement-provided",
                "/refuse",
                "/commitment",
            )
        },
        **{
            f"{v1}/subcases/{{subcase_id}}/{action}": {"subcase_id": [ids["subcase_id"]]}
            for action in ("approve", "refuse", "supplement")
        },
        f"{v1}/matters/{{code}}": {"code": [ids["matter"]]},
        f"{v1}/themes/{{code}}": {"code": [ids["theme"]]},
        f"{v1}/themes/{{code}}/notice": {"code": [ids["theme"]]},
        f"{v1}/themes/{{code}}/notice.pdf": {"code": [ids["theme"]]},
        f"{v1}/commitments/{{commitment_id}}": {"commitment_id": [ids["commitment_id"]]},
        f"{v1}/commitments/{{commitment_id}}/verify": {"commitment_id": [ids["commitment_id"]]},
        f"{v1}/commitments/{{commitment_id}}/items/{{item_id}}/fulfil": {
            "commitment_id": [ids["commitment_id"]],
            "item_id": [ids["item_id"]],
        },
        f"{v1}/credit/repairs/{{repair_id}}/decide": {"repair_id": [ids["repair_id"]]},
        f"{v1}/supervision/tasks/{{task_id}}": {"task_id": [ids["task_id"]]},
        f"{v1}/supervision/tasks/{{task_id}}/result": {"task_id": [ids["task_id"]]},
        f"{v1}/licences/{{number}}/verify": {"number": [ids["licence"]]},
        f"{v1}/policies/{{code}}": {"code": policies},
        f"{v1}/policies/{{code}}/eligibility": {"code": policies},
        f"{v1}/policies/{{code}}/runs": {"code": policies},
        f"{v1}/policy-runs/{{run_id}}": {"run_id": [ids["run_id"]]},
        f"{v1}/my/grants/{{grant_id}}/decline": {"grant_id": [ids["grant_id"]]},
        f"{v1}/my/grants/{{grant_id}}/contest": {"grant_id": [ids["company_grant_id"]]},
        f"{v1}/hall/outlets/{{code}}/tickets": {"code": [ids["outlet"]]},
        f"{v1}/hall/outlets/{{code}}/slots": {"code": [ids["outlet"]]},
        f"{v1}/hall/tickets/{{token}}": {"token": [ids["token"]]},
        f"{v1}/hall/tickets/{{token}}/rating": {"token": [ids["token"]]},
        f"{v1}/hall/windows/{{window_id}}/call-next": {"window_id": [ids["window_id"]]},
        f"{v1}/hall/appointments/{{code}}/cancel": {"code": [ids["appointment"]]},
        f"{v1}/hall/appointments/{{code}}/check-in": {"code": [ids["appointment"]]},
    }


def session_headers(user) -> list[str]:
    """`-H` values carrying a signed-in session of `user` and a CSRF token (cookie + header),
    as a browser page of the site would send them."""
    csrf = get_random_string(32)
    cookies = f"{settings.CSRF_COOKIE_NAME}={csrf}"
    if user is not None:
        client = Client()
        client.force_login(user)
        cookies += (
            f"; {settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
    return ["-H", f"Cookie: {cookies}", "-H", f"X-CSRFToken: {csrf}"]


def fuzz(
    base_url: str, user, ids: dict[str, object], workdir: Path
) -> subprocess.CompletedProcess[str]:
    """`st run` over the whole schema; in `workdir`, where schemathesis keeps its crash cache."""
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{base_url}/api/openapi.json",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        PHASES,
        "--max-examples",
        MAX_EXAMPLES,
        "--seed",
        SEED,
        "--generation-database",
        "none",
        "--request-timeout",
        "30",
        "--workers",
        WORKERS,
        "--no-color",
        *session_headers(user),
    ]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks",
        "YISHI_FUZZ_PATH_VALUES": json.dumps(path_values(ids)),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        command,
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )


def excerpt(result: subprocess.CompletedProcess[str], limit: int = 20_000) -> str:
    """The report's failures (at its head) and summary (at its tail), within `limit`."""
    report = result.stdout + result.stderr
    if len(report) <= limit:
        return report
    return report[: limit - 4000] + "\n[…]\n" + report[-4000:]


@pytest.mark.parametrize("identity", ["anonymous", "applicant", "clerk"])
def test_fuzzing_every_api_operation_finds_no_server_error_and_only_documented_problems(
    live_server, identity, tmp_path
):
    world = build_world()
    user = {"anonymous": None, "applicant": world.owner.user, "clerk": world.clerk_here.user}
    result = fuzz(live_server.url, user[identity], describe(world), tmp_path)
    assert result.returncode == 0, f"schemathesis as {identity}:\n{excerpt(result)}"
