"""PostgreSQL restarted under traffic (the private cluster: stopped with `pg_ctl -m fast`,
which cuts every session and rolls back what was in flight, then started again): while it
is away the API answers 503 problem+json with Retry-After and pages the Chinese 503 page,
never a 500; nothing is half written; once it is back the same server process serves again
without a restart of its own, and a retried action completes exactly once."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter

import pytest

from tests.faults.cluster import LiveServer, http

pytestmark = [pytest.mark.postgres, pytest.mark.faults, pytest.mark.django_db]


@pytest.fixture(scope="module")
def server(faults_env):
    _cluster, env = faults_env
    live = LiveServer(env, "restart")
    live.start()
    yield live
    live.stop()


class Traffic:
    """Threads sending requests in a loop; keeps every (kind, status, body, headers)."""

    def __init__(self, server: LiveServer, world: dict) -> None:
        self.server = server
        self.world = world
        self.seen: list[tuple[str, int, str, dict]] = []
        self.accepted: dict[str, int] = {}
        self.lock = threading.Lock()
        self.running = True
        self.threads = [
            threading.Thread(target=self._loop, args=(kind,))
            for kind in ("api_list", "page", "accept")
        ]

    def _one(self, kind: str, index: int) -> None:
        url, session = self.server.url, self.world["applicant"]
        if kind == "api_list":
            result = http("GET", f"{url}/api/v1/applications?limit=5", session=session)
        elif kind == "page":
            result = http("GET", f"{url}/apply/my/", session=session)
        else:
            numbers = self.world["numbers"]
            number = numbers[index % len(numbers)]
            if number in self.accepted:
                return
            result = http(
                "POST",
                f"{url}/api/v1/applications/{number}/accept",
                session=self.world["clerks"][0],
            )
            if result[0] == 200:
                with self.lock:
                    self.accepted[number] = result[0]
        with self.lock:
            self.seen.append((kind, *result))

    def _loop(self, kind: str) -> None:
        index = 0
        while self.running:
            try:
                self._one(kind, index)
            except OSError as exc:  # the server itself must never drop a connection
                with self.lock:
                    self.seen.append((kind, -1, repr(exc), {}))
            index += 1
            time.sleep(0.05)

    def count(self, kind: str, status: int) -> int:
        with self.lock:
            return sum(1 for k, s, _b, _h in self.seen if k == kind and s == status)

    def __enter__(self) -> Traffic:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.running = False
        for t in self.threads:
            t.join(timeout=60)


def _wait_for(condition, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_database_restart_under_traffic_answers_503_and_the_server_reconnects(faults_env, server):
    started = time.monotonic()
    cluster, env = faults_env
    world = env.world["restart"]
    with Traffic(server, world) as traffic:
        assert _wait_for(lambda: traffic.count("api_list", 200) >= 2 and len(traffic.accepted))
        cluster.stop_server()  # pg_ctl stop -m fast: sessions cut, in-flight work rolled back
        try:
            assert _wait_for(
                lambda: all(traffic.count(k, 503) >= 2 for k in ("api_list", "page", "accept"))
            ), Counter((k, s) for k, s, _b, _h in traffic.seen)
        finally:
            cluster.start_server()
        back = len(traffic.seen)
        # Back by itself: the next requests succeed on the same server process.
        assert _wait_for(
            lambda: traffic.count("api_list", 200) > 2 and traffic.count("page", 200) > 2
        )
        assert _wait_for(lambda: len(traffic.seen) > back + 15)
    assert server.process is not None and server.process.poll() is None

    statuses = Counter((k, s) for k, s, _b, _h in traffic.seen)
    assert set(statuses) <= {(k, s) for k in ("api_list", "page", "accept") for s in (200, 503)}, (
        statuses
    )
    for kind, status, body, headers in traffic.seen:
        if status != 503:
            continue
        assert headers.get("retry-after") == "5"
        if kind == "page":
            assert headers["content-type"].startswith("text/html")
            assert "服务暂不可用" in body and "未保存任何内容" in body
        else:
            assert headers["content-type"].startswith("application/problem+json")
            problem = json.loads(body)
            assert problem["status"] == 503
            assert problem["type"].endswith("/database_unavailable")
            assert "稍后重试" in problem["detail"]
    # After the restart the last request of each kind succeeded.
    for kind in ("api_list", "page"):
        assert [s for k, s, _b, _h in traffic.seen if k == kind][-1] == 200

    # Accepting again what was refused with 503 completes it: the 503 left nothing behind.
    for number in world["numbers"]:
        if number not in traffic.accepted:
            status, body, _h = http(
                "POST",
                f"{server.url}/api/v1/applications/{number}/accept",
                session=world["clerks"][0],
            )
            # 409 only when the cut came after the commit: then it is accepted, once (below).
            assert status in (200, 409), body
    effects = env.call("tests.faults.world:effects", numbers=world["numbers"])
    assert effects["accepted"] == len(world["numbers"])
    assert effects["accepted_events"] == len(world["numbers"])
    assert effects["subcases_per_app"] == [4] * len(world["numbers"])
    print(f"\n[faults] database restart: {time.monotonic() - started:.1f}s {dict(statuses)}")
