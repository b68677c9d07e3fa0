"""Two app servers on one database: clerks on both press the same button at the same moment
(threads released together, half of them on each server) and the database shows each effect
once: no application accepted twice, no ticket called to two windows, no month paid twice."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter

import pytest

from tests.faults.cluster import LiveServer, http

pytestmark = [pytest.mark.postgres, pytest.mark.faults, pytest.mark.django_db]


@pytest.fixture(scope="module")
def two_servers(faults_env):
    _cluster, env = faults_env
    servers = [LiveServer(env, "server-a"), LiveServer(env, "server-b")]
    threads = [threading.Thread(target=s.start) for s in servers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    yield env, servers
    for s in servers:
        s.stop()


def _fire(calls: list[tuple[str, str, str]], body: dict | None = None) -> list[tuple[int, dict]]:
    """POST every (url, session, label) at once from its own thread; returns (status, body)."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[int, dict]] = [(0, {})] * len(calls)

    def one(i: int, url: str, session: str) -> None:
        barrier.wait(timeout=30)
        status, text, _headers = http("POST", url, session=session, body=body)
        results[i] = (status, json.loads(text) if text.startswith("{") else {"raw": text})

    threads = [
        threading.Thread(target=one, args=(i, url, session))
        for i, (url, session, _label) in enumerate(calls)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_concurrent_clerks_on_two_servers_never_double_accept_call_or_pay(two_servers):
    started = time.monotonic()
    env, (a, b) = two_servers
    cases, hall, policy = env.world["clerks"], env.world["hall"], env.world["policy"]

    # 受理: both clerks, one on each server, accept every application at once.
    accepts = [
        (f"{server.url}/api/v1/applications/{number}/accept", clerk, number)
        for number in cases["numbers"]
        for server, clerk in ((a, cases["clerks"][0]), (b, cases["clerks"][1]))
    ]
    outcome = _fire(accepts)
    by_number = Counter(
        (label, status) for (_u, _s, label), (status, _b) in zip(accepts, outcome, strict=True)
    )
    for number in cases["numbers"]:
        assert by_number[(number, 200)] == 1, (number, outcome)
        assert by_number[(number, 409)] == 1, (number, outcome)

    # 叫号: six windows (three per server) call at once; four tickets wait.
    calls = [
        (f"{(a, b)[i % 2].url}/api/v1/hall/windows/{desk['window']}/call-next", desk["session"], "")
        for i, desk in enumerate(hall["desks"])
    ]
    outcome = _fire(calls)
    assert [s for s, _ in outcome] == [200] * 6, outcome
    called = [body["ticket"]["number"] for _s, body in outcome if body.get("ticket")]
    assert sorted(called) == ["A000", "A001", "A002", "A003"]

    # 兑现: two administrators run October's allowance at once, twice on each server.
    runs = [
        (f"{server.url}/api/v1/policies/{policy['code']}/runs", admin, "")
        for server in (a, b)
        for admin in policy["admins"]
    ]
    outcome = _fire(runs, {"period": "2026-10"})
    # (Each caller may be told 201: the "existed before" answer is read before the lock.)
    assert {s for s, _ in outcome} <= {200, 201}, outcome
    assert len({body["id"] for _s, body in outcome}) == 1

    effects = env.call("tests.faults.world:effects", numbers=cases["numbers"])
    assert effects["accepted"] == 4
    assert effects["accepted_events"] == 4
    assert effects["subcases_per_app"] == [4, 4, 4, 4]
    assert sorted(n for n, _w in effects["called"]) == ["A000", "A001", "A002", "A003"]
    assert len({w for _n, w in effects["called"]}) == 4  # four windows, one ticket each
    assert effects["call_audits"] == 4
    assert effects["runs"] == 1
    assert effects["run_changes"] == 3
    assert effects["grants_paid_months"] == [1, 1, 1]
    assert effects["payment_lists"] == 1
    print(f"\n[faults] two servers: {time.monotonic() - started:.1f}s")
