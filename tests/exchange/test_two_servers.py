"""Two live servers, two databases: 梁子湖区 (420702) is the pytest live server on the test
database; 武汉市江夏区 (420115) is a second Django process (uvicorn) on its own SQLite file,
configured through its environment. Envelopes travel over HTTP through both outboxes.

Runs once, in the PostgreSQL pass (on SQLite the live server's database cannot be shared
with the live server thread the way the subprocess needs)."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from tests.exchange.support import THEM, US, build_hall, build_side, scans
from yishi.cases import services as cases
from yishi.cases.models import Application
from yishi.core.models import OutboxMessage
from yishi.core.outbox import outbox_deliver_due
from yishi.exchange import services
from yishi.exchange.models import Crossing, Envelope, PickupItem
from yishi.licences.models import Licence
from yishi.licences.verification import licence_verify

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PartnerInstance:
    """The partner region's own Django: migrate, build its side, serve, run its commands."""

    def __init__(self, directory: Path, our_url: str):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = directory / "server.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("YISHI_", "DATABASE_"))}
        env.update(
            {
                "DATABASE_URL": f"sqlite:///{directory / 'partner.sqlite3'}",
                "YISHI_VAR_DIR": str(directory),
                "YISHI_DEBUG": "true",
                "YISHI_EXCHANGE_REGION": THEM,
                "YISHI_EXCHANGE_REGION_NAME": "武汉市江夏区",
                "YISHI_EXCHANGE_PUBLIC_URL": self.url,
                "DJANGO_SETTINGS_MODULE": "yishi.settings",
                "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
            }
        )
        self.env = env
        self.our_url = our_url

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "yishi", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout.strip()

    def shell(self, code: str) -> str:
        return self.manage("shell", "-c", code)

    def deliver(self) -> None:
        self.manage("deliver_outbox")

    def prepare(self) -> None:
        self.manage("migrate", "--noinput", "-v", "0")
        self.shell(
            "from tests.exchange.support import build_side, US; "
            f"build_side('{THEM}', '{self.our_url}')"
        )

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "yishi.asgi:application",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--workers",
                    "1",
                ],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/exchange/identity", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise AssertionError(f"partner did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def crossing(self, ref) -> str:
        return self.shell(
            "from yishi.exchange.models import Crossing; "
            f"c = Crossing.objects.get(ref='{ref}'); "
            "print(c.status, c.role, c.application.status, c.subcase.matter.code)"
        ).splitlines()[-1]

    def decide(self, ref, method: str) -> None:
        self.shell(
            "from tests.exchange.support import partner_decide; "
            f"partner_decide('{ref}', method='{method}')"
        )


@pytest.fixture
def partner(tmp_path, live_server):
    instance = PartnerInstance(tmp_path, live_server.url)
    instance.prepare()
    instance.start()
    yield instance
    instance.stop()


def _exchange_pending() -> int:
    return OutboxMessage.objects.filter(
        destination=f"exchange:{THEM}", status=OutboxMessage.Status.PENDING
    ).count()


def _resident_sees(side, app: Application, *texts: str) -> None:
    client = Client()
    client.force_login(side["applicant"].user)
    html = client.get(f"/apply/my/{app.number}/").content.decode()
    for text in texts:
        assert text in html, text


def test_cross_region_cases_between_two_live_servers(partner, live_server):
    side = build_side(US, partner.url)
    hall = build_hall()  # our hall: the outlet whose shelf takes pickup results
    user = side["applicant"].user

    # ---- 异地代收代办: walk in here, decided there, result back here to the pickup shelf.
    app = services.crossing_submit(
        user=user,
        partner=side["partner"],
        mode="proxy",
        matter=side["matters"]["QR90001000-X-PROXY"],
        materials=scans(),
        clerk=side["clerk"],
        identity_checked=True,
        checked_materials=["居民身份证", "申请表"],
        delivery_method="pickup",
    )
    proxy = Crossing.objects.get(application=app)
    outbox_deliver_due()
    assert _exchange_pending() == 0
    assert Envelope.objects.get(direction="out", crossing=proxy).status == "sent"
    status, role, their_app, matter = partner.crossing(proxy.ref).split()
    assert (status, role, their_app, matter) == (
        "accepted",
        "deciding",
        "accepted",
        "QR90001000-X-PROXY",
    )
    partner.deliver()  # their `accepted` status comes back
    proxy.refresh_from_db()
    assert proxy.status == Crossing.Status.ACCEPTED and proxy.remote_number
    partner.decide(proxy.ref, "pickup")
    partner.deliver()  # decision, result document, delivery notice
    proxy.refresh_from_db()
    app.refresh_from_db()
    assert app.status == Application.Status.COMPLETED
    assert proxy.status == Crossing.Status.DELIVERED
    assert proxy.result["name"] == "准予许可决定书" and proxy.result["signature"]["value"]
    # The result is a licence record here, sealed by 江夏区 and verifiable here.
    licence = Licence.objects.get(number=proxy.result["number"])
    assert licence.person == app.person and licence.issuer.code == THEM
    assert licence.source == Licence.Source.IMPORTED and licence.trust_level == "A"
    assert licence_verify(licence).state == "valid"
    # … waiting on our outlet's shelf; the resident knows where and under which code.
    item = PickupItem.objects.get(crossing=proxy)
    assert item.outlet == hall["outlet"] and item.licence == licence
    assert proxy.pickup_place == hall["outlet"].name
    _resident_sees(side, app, "已办结", "由武汉市江夏区办理", "待领取", item.shelf_code)
    clerk = Client()
    clerk.force_login(hall["clerk"])
    handed = clerk.post(
        f"/workbench/exchange/shelf/{item.pk}/handover/", {"id_number": str(app.person.id_number)}
    )
    assert handed.status_code == 302
    item.refresh_from_db()
    assert item.status == PickupItem.Status.PICKED and item.picked_by == app.person
    _resident_sees(side, app, "已领取")

    # ---- 全程网办: applied for here online, decided there, mailed.
    online_app = services.crossing_submit(
        user=user,
        partner=side["partner"],
        mode="online",
        matter=side["matters"]["QR90002000-X-ONLINE"],
        materials=scans(),
        delivery_method="mail",
        delivery_address="湖北省鄂州市梁子湖区太和镇测试路 1 号",
    )
    online = Crossing.objects.get(application=online_app)
    outbox_deliver_due()
    partner.deliver()
    partner.decide(online.ref, "mail")
    partner.deliver()
    online.refresh_from_db()
    online_app.refresh_from_db()
    assert online_app.status == Application.Status.COMPLETED
    assert online.tracking_number == "SF1234567890"
    _resident_sees(side, online_app, "SF1234567890")

    # ---- 多地联办: one application, 迁出 decided there, 迁入 decided here.
    joint_app = services.crossing_submit(
        user=user, partner=side["partner"], mode="joint", theme=side["theme"], materials=scans()
    )
    joint = Crossing.objects.get(application=joint_app)
    here = joint_app.subcases.get(partner_region="")
    outbox_deliver_due()
    assert partner.crossing(joint.ref).split()[3] == "QR90003000-X-LEAVE"
    cases.subcase_approve(
        subcase=here, reviewer=side["reviewers"]["QR90004000-X-ARRIVE"], result_name="准予迁入"
    )
    partner.deliver()
    partner.decide(joint.ref, "online")
    partner.deliver()
    joint_app.refresh_from_db()
    assert joint_app.status == Application.Status.COMPLETED
    assert sorted(joint_app.subcases.values_list("status", flat=True)) == ["approved", "approved"]
    joint.refresh_from_db()
    assert Licence.objects.filter(number=joint.result["number"], person=app.person).exists()

    # ---- A partner that is down gets the envelope once it is back.
    partner.stop()
    late_app = services.crossing_submit(
        user=user,
        partner=side["partner"],
        mode="online",
        matter=side["matters"]["QR90002000-X-ONLINE"],
        materials=scans(),
    )
    late = Crossing.objects.get(application=late_app)
    outbox_deliver_due()
    assert _exchange_pending() == 1
    assert (
        "连接失败"
        in OutboxMessage.objects.get(destination=f"exchange:{THEM}", status="pending").last_error
    )
    partner.start()
    # Later than the back-off, and later than the freshness window: it is signed afresh.
    outbox_deliver_due(now=timezone.now() + dt.timedelta(minutes=30))
    assert _exchange_pending() == 0
    assert partner.crossing(late.ref).split()[:2] == ["accepted", "deciding"]
