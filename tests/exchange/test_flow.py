"""One side of the exchange against a simulated partner: what we send (through the outbox,
signed at delivery, schema-valid) and what we do with the partner's answers."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client

from tests.exchange.support import (
    THEM,
    US,
    partner_licence,
    public_pem,
    scans,
    signed_from_partner,
)
from yishi.cases import services as cases
from yishi.cases.models import Application, Message, SubCase
from yishi.core.errors import PermissionDeniedError, ValidationFailed
from yishi.core.models import OutboxMessage
from yishi.core.outbox import outbox_deliver_due
from yishi.exchange import protocol, services
from yishi.exchange.models import Crossing, Envelope

INBOX = "/api/v1/exchange/inbox"


class Wire:
    """Stands in for the partner's inbox: keeps what we post, answers a signed receipt."""

    def __init__(self):
        self.sent: list[dict] = []
        self.down = False

    def open(self, request, timeout=None):
        if self.down:
            raise OSError("connection refused")
        document = json.loads(request.data)
        assert protocol.schema_errors(document) == []
        env = document["envelope"]
        assert protocol.verify(env, document["signature"], public_pem(US))
        self.sent.append(document)
        receipt = signed_from_partner("receipt", {"ref": env["id"], "status": "received"})
        response = io.BytesIO(json.dumps(receipt).encode())
        response.__enter__ = lambda *a: response
        response.__exit__ = lambda *a: None
        return response


class _Response(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.fixture
def wire(monkeypatch):
    w = Wire()

    def fake_open(request, timeout=None):
        raw = w.open(request, timeout)
        return _Response(raw.getvalue())

    monkeypatch.setattr(services._opener, "open", fake_open)
    return w


def from_partner(client, kind, body, **kw):
    signed = signed_from_partner(kind, body, **kw)
    assert protocol.schema_errors(signed) == []
    response = client.post(INBOX, data=json.dumps(signed), content_type="application/json")
    assert response.status_code == 200, response.content
    return response


def proxy_submit(side, **overrides):
    kwargs = {
        "user": side["applicant"].user,
        "partner": side["partner"],
        "mode": "proxy",
        "matter": side["matters"]["QR90001000-X-PROXY"],
        "materials": scans(),
        "clerk": side["clerk"],
        "identity_checked": True,
        "checked_materials": ["居民身份证", "申请表"],
        "delivery_method": "pickup",
    }
    kwargs.update(overrides)
    return services.crossing_submit(**kwargs)


def test_counter_intake_needs_a_clerk_who_checked_identity_and_every_material(side):
    with pytest.raises(PermissionDeniedError):
        proxy_submit(side, clerk=None)
    with pytest.raises(ValidationFailed, match="身份"):
        proxy_submit(side, identity_checked=False)
    with pytest.raises(ValidationFailed, match="申请表"):
        proxy_submit(side, checked_materials=["居民身份证"])
    with pytest.raises(ValidationFailed, match="扫描"):
        proxy_submit(side, materials=scans()[:1])
    assert not Application.objects.exists()


def test_a_matter_not_agreed_with_the_partner_cannot_be_sent(side):
    with pytest.raises(ValidationFailed, match="约定"):
        proxy_submit(side, matter=side["matters"]["QR90004000-X-ARRIVE"])


def test_counter_intake_hands_the_case_over_signed_with_its_scans(side, wire):
    app = proxy_submit(side)
    assert app.channel == Application.Channel.CROSS_REGION
    subcase = app.subcases.get()
    assert subcase.partner_region == THEM
    crossing = Crossing.objects.get(application=app)
    assert crossing.role == Crossing.Role.RECEIVING and crossing.mode == "proxy"
    assert crossing.promised_due == subcase.promised_due is not None
    outbox_deliver_due()
    (document,) = wire.sent
    env = document["envelope"]
    assert env["kind"] == "application" and env["sender"] == US and env["receiver"] == THEM
    assert env["body"]["case"] == str(crossing.ref)
    assert env["body"]["matter"]["code"] == "QR90001000"
    assert {m["name"] for m in env["body"]["materials"]} == {"居民身份证", "申请表"}
    assert set(document["attachments"]) == {f["sm3"] for f in env["files"]}
    row = Envelope.objects.get(direction="out", crossing=crossing)
    assert row.status == Envelope.Status.SENT and row.signature == document["signature"]


def test_a_partner_that_is_down_gets_the_envelope_later_freshly_signed(side, wire):
    proxy_submit(side)
    wire.down = True
    report = outbox_deliver_due()
    assert report.retrying == 1 and not wire.sent
    message = OutboxMessage.objects.get(destination=f"exchange:{THEM}")
    assert "连接失败" in message.last_error
    wire.down = False
    import datetime as dt

    from django.utils import timezone

    outbox_deliver_due(now=timezone.now() + dt.timedelta(hours=1))
    assert len(wire.sent) == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DELIVERED


def test_the_partners_answers_carry_the_case_to_the_resident(client, side, wire):
    """异地代收代办 from our side: accepted there, decided there, result and delivery notice
    back here; the resident sees each step in their account."""
    app = proxy_submit(side)
    crossing = Crossing.objects.get(application=app)
    case = str(crossing.ref)
    from_partner(
        client,
        "status",
        {
            "case": case,
            "status": "accepted",
            "number": "YS2026JX0001",
            "promised_due": "2026-12-14",
        },
    )
    crossing.refresh_from_db()
    assert crossing.status == Crossing.Status.ACCEPTED
    assert crossing.remote_number == "YS2026JX0001"
    from_partner(
        client,
        "decision",
        {
            "case": case,
            "outcome": "approved",
            "result_name": "准予许可决定书",
            "decided_on": "2026-12-08",
        },
    )
    app.refresh_from_db()
    assert app.status == Application.Status.COMPLETED
    assert app.subcases.get().status == SubCase.Status.APPROVED
    licence = partner_licence(app.person)
    from_partner(client, "result", {"case": case, "licence": licence})
    from_partner(
        client,
        "delivery",
        {"case": case, "method": "pickup", "pickup_place": "梁子湖区政务服务中心跨域通办窗口"},
    )
    crossing.refresh_from_db()
    assert crossing.status == Crossing.Status.DELIVERED
    texts = list(Message.objects.filter(user=side["applicant"].user).values_list("text", flat=True))
    assert any("跨域通办窗口" in t for t in texts)
    assert any("准予许可决定书" in t for t in texts)


def test_a_refusal_from_the_partner_ends_the_application_refused(client, side):
    app = proxy_submit(side)
    crossing = Crossing.objects.get(application=app)
    from_partner(
        client,
        "decision",
        {
            "case": str(crossing.ref),
            "outcome": "refused",
            "reason": "材料不符",
            "decided_on": "2026-12-08",
        },
    )
    app.refresh_from_db()
    assert app.status == Application.Status.REFUSED


def test_a_supplement_request_is_answered_with_new_scans(client, side, wire):
    app = services.crossing_submit(
        user=side["applicant"].user,
        partner=side["partner"],
        mode="online",
        matter=side["matters"]["QR90002000-X-ONLINE"],
        materials=scans(),
    )
    crossing = Crossing.objects.get(application=app)
    from_partner(client, "supplement_request", {"case": str(crossing.ref), "items": ["照片不清晰"]})
    crossing.refresh_from_db()
    assert crossing.status == Crossing.Status.SUPPLEMENT
    services.crossing_supplement_reply(
        crossing=crossing,
        user=side["applicant"].user,
        note="已重新拍摄",
        materials=[("照片", "image/png", b"new photo")],
    )
    outbox_deliver_due()
    kinds = [d["envelope"]["kind"] for d in wire.sent]
    assert kinds == ["application", "supplement_reply"]


def test_joint_theme_has_one_subcase_here_and_one_there(client, side, wire):
    """多地联办: one application; 迁出 decided by the partner, 迁入 by our department."""
    app = services.crossing_submit(
        user=side["applicant"].user,
        partner=side["partner"],
        mode="joint",
        theme=side["theme"],
        materials=scans(),
    )
    there = app.subcases.get(partner_region=THEM)
    here = app.subcases.get(partner_region="")
    assert there.matter.code == "QR90003000-X-LEAVE" and here.matter.code == "QR90004000-X-ARRIVE"
    cases.subcase_approve(
        subcase=here, reviewer=side["reviewers"]["QR90004000-X-ARRIVE"], result_name="准予迁入"
    )
    app.refresh_from_db()
    assert app.status == Application.Status.ACCEPTED  # the other region has not decided yet
    crossing = Crossing.objects.get(application=app)
    from_partner(
        client,
        "decision",
        {
            "case": str(crossing.ref),
            "outcome": "approved",
            "result_name": "准迁证明",
            "decided_on": "2026-12-08",
        },
    )
    app.refresh_from_db()
    assert app.status == Application.Status.COMPLETED


def test_joint_mode_needs_a_theme_with_a_step_in_each_region(side):
    with pytest.raises(ValidationFailed, match="多地联办"):
        services.crossing_submit(
            user=side["applicant"].user,
            partner=side["partner"],
            mode="joint",
            matter=side["matters"]["QR90002000-X-ONLINE"],
        )


def test_clerks_see_where_a_cross_region_case_stands(side):
    from tests.cases.factories import StaffFactory

    app = proxy_submit(side)
    crossing = Crossing.objects.get(application=app)
    admin = StaffFactory(administrator=True).user
    client = Client()
    client.force_login(admin)
    page = client.get("/workbench/exchange/")
    assert page.status_code == 200
    assert app.number in page.content.decode()
    detail = client.get(f"/workbench/exchange/{crossing.ref}/")
    html = detail.content.decode()
    assert "已移交办理地" in html and str(crossing.promised_due) in html
    applicant = Client()
    applicant.force_login(side["applicant"].user)
    assert applicant.get("/workbench/exchange/").status_code in (302, 403)


def test_our_reviewer_cannot_decide_a_subcase_the_partner_decides(side):
    from yishi.core.errors import Conflict

    app = proxy_submit(side)
    subcase = SubCase.objects.get(application=app)
    with pytest.raises(Conflict, match="420115"):
        cases.subcase_approve(
            subcase=subcase,
            reviewer=side["reviewers"]["QR90001000-X-PROXY"],
            result_name="准予",
        )


def test_a_test_key_of_ours_is_refused_in_production(settings):
    from django.core.exceptions import ImproperlyConfigured

    from yishi.exchange import conf

    settings.EXCHANGE_ALLOW_TEST_KEYS = False
    # Without a key of its own, production does not fall back to the committed test key: the
    # exchange is simply not set up (and `check --deploy` does not fail for it).
    with pytest.raises(conf.ExchangeKeyMissing):
        conf.private_key()
    # A test key given as ours is refused by name.
    test_key = conf.TEST_KEY_DIR / f"{conf.region()}-TEST-private.pem"
    settings.EXCHANGE_PRIVATE_KEY_FILE = str(test_key)
    with pytest.raises(ImproperlyConfigured, match="测试密钥"):
        conf.private_key()
    del settings.EXCHANGE_PRIVATE_KEY_FILE
    settings.EXCHANGE_ALLOW_TEST_KEYS = True
    assert conf.private_key() is not None
