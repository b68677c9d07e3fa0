from __future__ import annotations

import threading

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from django.core.management import call_command
from django.db import connection
from gmssl import sm2
from tongsuopy.crypto import serialization

from yishi.core.crypto import sm3_hex, sm4_decrypt
from yishi.core.errors import NotFound
from yishi.core.models import AuditEntry, SigningKey
from yishi.core.signing import Signature, public_key_pem, rotate_key, sign, verify

pytestmark = pytest.mark.django_db

TEXT = "鄂州市梁子湖区 营业执照 91420702MA0000001X"


def _flip_hex_char(value: str, index: int) -> str:
    char = value[index]
    return value[:index] + ("0" if char != "0" else "1") + value[index + 1 :]


def test_signature_verifies_and_names_key_digest_and_algorithm():
    signature = sign(TEXT)
    key = SigningKey.objects.get()
    assert (key.owner, key.active, key.retired_at) == ("platform", True, None)
    assert signature.key_id == key.key_id
    assert signature.digest == sm3_hex(TEXT.encode("utf-8"))
    assert signature.algorithm == "SM2-SM3"
    assert bytes.fromhex(signature.value)[0] == 0x30  # a DER SEQUENCE (r, s)
    assert verify(TEXT, signature) is True
    assert verify(TEXT.encode("utf-8"), signature) is True


def test_first_use_creates_one_key_and_later_signatures_reuse_it():
    first = sign(b"one")
    second = sign(b"two")
    assert first.key_id == second.key_id
    assert SigningKey.objects.count() == 1
    assert AuditEntry.objects.filter(action="signing_key.create").count() == 1


def test_key_id_is_the_sm3_fingerprint_of_the_public_key():
    signature = sign(b"x")
    public = serialization.load_pem_public_key(public_key_pem(signature.key_id).encode())
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert signature.key_id == sm3_hex(der)[:16]


def test_one_changed_byte_of_data_fails_verification():
    data = bytearray(TEXT.encode("utf-8"))
    signature = sign(bytes(data))
    data[5] ^= 0x01
    assert verify(bytes(data), signature) is False


def test_one_changed_byte_of_data_fails_even_with_a_matching_digest():
    signature = sign(b"original")
    forged = Signature(key_id=signature.key_id, digest=sm3_hex(b"originam"), value=signature.value)
    assert verify(b"originam", forged) is False


def test_one_changed_byte_of_the_signature_fails_verification():
    signature = sign(TEXT)
    der = bytearray(bytes.fromhex(signature.value))
    der[-1] ^= 0x01  # last byte of s
    tampered = Signature(key_id=signature.key_id, digest=signature.digest, value=der.hex())
    assert verify(TEXT, tampered) is False
    der = bytearray(bytes.fromhex(signature.value))
    der[1] ^= 0x01  # the DER length: no longer parses
    broken = Signature(key_id=signature.key_id, digest=signature.digest, value=der.hex())
    assert verify(TEXT, broken) is False


def test_changed_digest_fails_verification():
    signature = sign(TEXT)
    tampered = Signature(
        key_id=signature.key_id,
        digest=_flip_hex_char(signature.digest, 0),
        value=signature.value,
    )
    assert verify(TEXT, tampered) is False


@pytest.mark.parametrize(
    "change",
    [
        {"value": "zz-not-hex"},
        {"value": ""},
        {"value": "abc"},
        {"digest": ""},
        {"digest": None},
        {"key_id": "0000000000000000"},
        {"key_id": ""},
        {"algorithm": "RSA-SHA256"},
        {"key_id": 12},
    ],
)
def test_malformed_or_unknown_signatures_are_false_not_errors(change):
    d = sign(TEXT).as_dict() | change
    assert verify(TEXT, d) is False


@pytest.mark.parametrize("bad", [{}, {"key_id": "x"}, "not a dict", None, ["a"]])
def test_signature_that_is_not_a_signature_is_false(bad):
    sign(TEXT)
    assert verify(TEXT, bad) is False


def test_signature_round_trips_through_a_dict():
    signature = sign(TEXT)
    d = signature.as_dict()
    assert d == {
        "algorithm": "SM2-SM3",
        "key_id": signature.key_id,
        "digest": signature.digest,
        "value": signature.value,
    }
    assert Signature.from_dict(d) == signature
    assert verify(TEXT, d) is True
    without_algorithm = {k: v for k, v in d.items() if k != "algorithm"}
    assert Signature.from_dict(without_algorithm) == signature


def test_signature_under_another_owners_key_id_fails():
    signature = sign(TEXT)
    other = sign(b"anything", owner="dept:11420702MB0000001A")
    assert other.key_id != signature.key_id
    moved = Signature(key_id=other.key_id, digest=signature.digest, value=signature.value)
    assert verify(TEXT, moved) is False


def test_rotation_keeps_old_signatures_verifiable():
    old_signature = sign(TEXT)
    new_key = rotate_key()
    new_signature = sign(TEXT)
    assert new_signature.key_id == new_key.key_id != old_signature.key_id
    assert verify(TEXT, old_signature) is True
    assert verify(TEXT, new_signature) is True
    old_key = SigningKey.objects.get(key_id=old_signature.key_id)
    assert (old_key.active, old_key.retired_at is not None) == (False, True)
    assert list(SigningKey.objects.filter(active=True).values_list("key_id", flat=True)) == [
        new_key.key_id
    ]
    assert public_key_pem(old_key.key_id) == old_key.public_pem
    entry = AuditEntry.objects.get(action="signing_key.retire")
    assert (entry.object_id, entry.data) == (old_key.key_id, {"owner": "platform"})


def test_rotation_of_an_owner_without_a_key_creates_its_first():
    key = rotate_key(owner="dept:420702-cz")
    assert (key.owner, key.active) == ("dept:420702-cz", True)
    assert sign(b"x", owner="dept:420702-cz").key_id == key.key_id


def test_owners_have_separate_keys():
    platform = sign(b"x")
    dept = sign(b"x", owner="dept:420702-gs")
    rotate_key(owner="dept:420702-gs")
    assert sign(b"y").key_id == platform.key_id
    assert sign(b"y", owner="dept:420702-gs").key_id not in {platform.key_id, dept.key_id}


@pytest.mark.parametrize("owner", ["", "x" * 101])
def test_bad_owner_is_refused(owner):
    with pytest.raises(ValueError):
        sign(b"x", owner=owner)


def test_signature_verifies_with_gmssl_independently():
    signature = sign(TEXT)
    public = serialization.load_pem_public_key(public_key_pem(signature.key_id).encode())
    numbers = public.public_numbers()
    public_hex = f"{numbers.x:064x}{numbers.y:064x}"
    r, s = decode_dss_signature(bytes.fromhex(signature.value))
    crypt = sm2.CryptSM2(private_key="", public_key=public_hex)
    # gmssl 3.2.2 does public_key.lstrip("04") when the hex starts with "04", which also eats
    # the leading 0s and 4s of x: set the uncompressed x‖y it expects directly.
    crypt.public_key = public_hex
    assert crypt.verify_with_sm3(f"{r:064x}{s:064x}", TEXT.encode("utf-8")) is True
    assert crypt.verify_with_sm3(f"{r:064x}{s:064x}", b"other data") is False


def test_private_key_is_stored_sm4_encrypted():
    sign(b"x")
    key = SigningKey.objects.get()
    assert "PRIVATE KEY" not in key.private_pem_encrypted
    assert sm4_decrypt(key.private_pem_encrypted).startswith("-----BEGIN PRIVATE KEY-----")
    assert key.public_pem.startswith("-----BEGIN PUBLIC KEY-----")


def test_public_key_of_an_unknown_key_is_not_found():
    with pytest.raises(NotFound) as exc:
        public_key_pem("nope")
    assert (exc.value.message, exc.value.field) == ("签名密钥“nope”不存在", "key_id")


def test_admin_shows_keys_but_never_the_private_key(admin_client):
    sign(b"x")
    key = SigningKey.objects.get()
    listing = admin_client.get("/admin/core/signingkey/")
    assert listing.status_code == 200
    assert key.key_id in listing.content.decode()
    detail = admin_client.get(f"/admin/core/signingkey/{key.pk}/change/")
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "BEGIN PUBLIC KEY" in body
    assert key.private_pem_encrypted not in body
    assert key.private_pem_encrypted.split("$")[1][:40] not in body
    assert "PRIVATE KEY" not in body
    assert "私钥" not in body
    assert admin_client.get("/admin/core/signingkey/add/").status_code == 403
    response = admin_client.post(f"/admin/core/signingkey/{key.pk}/change/", {"active": ""})
    assert response.status_code == 403
    key.refresh_from_db()
    assert key.active is True


def test_rotate_signing_key_command(capsys):
    old = sign(b"x")
    call_command("rotate_signing_key")
    new_key = SigningKey.objects.get(active=True)
    assert new_key.key_id != old.key_id
    out = capsys.readouterr().out
    assert f"已为 platform 启用新签名密钥 {new_key.key_id}" in out
    call_command("rotate_signing_key", "--owner", "dept:420702-cz")
    assert SigningKey.objects.filter(owner="dept:420702-cz", active=True).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_signatures_share_one_key():
    barrier = threading.Barrier(4)
    signatures: list[Signature] = []
    errors: list[BaseException] = []

    def work() -> None:
        barrier.wait()
        try:
            signatures.append(sign(b"same moment", owner="dept:race"))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert SigningKey.objects.filter(owner="dept:race").count() == 1
    assert len({s.key_id for s in signatures}) == 1
    assert all(verify(b"same moment", s) for s in signatures)
