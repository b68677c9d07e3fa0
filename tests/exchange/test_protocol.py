"""The envelope protocol: RFC 8785 canonical form, SM2-with-SM3 signatures, the schemas, and
the signed example checked by an independent SM2 implementation (gmssl)."""

from __future__ import annotations

import base64
import json
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from gmssl import sm2
from tongsuopy.crypto import serialization

from tests.exchange.support import THEM, US, example, private_key, public_pem, signed_from_partner
from yishi.exchange import protocol

# RFC 8785 §3.2.2 (values) and §3.2.3 (property sorting), and Appendix B (numbers).
RFC_VALUES_IN = (
    '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
    ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
    ' "literals": [null, true, false]}'
)
RFC_VALUES_OUT = (
    '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
    '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
)
RFC_SORT_IN = (
    '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With'
    ' Dagesh", "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control",'
    ' "\\u00f6": "Latin Small Letter O With Diaeresis"}'
)
RFC_SORT_KEYS = ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
RFC_NUMBERS = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


def test_rfc8785_value_example_canonicalizes_exactly():
    assert protocol.canonical(json.loads(RFC_VALUES_IN)).decode("utf-8") == RFC_VALUES_OUT


def test_rfc8785_properties_sort_by_utf16_code_units():
    out = json.loads(protocol.canonical(json.loads(RFC_SORT_IN)))
    assert list(out) == RFC_SORT_KEYS


@pytest.mark.parametrize(("bits", "expected"), RFC_NUMBERS)
def test_rfc8785_appendix_b_numbers(bits, expected):
    value = struct.unpack(">d", bytes.fromhex(bits))[0]
    assert protocol.canonical(value).decode("ascii") == expected


def test_canonical_form_ignores_key_order_and_whitespace():
    a = json.loads('{"b": [1, {"y": 2, "x": "中"}], "a": true}')
    b = json.loads('{ "a" : true , "b" : [ 1 , { "x" : "中" , "y" : 2 } ] }')
    assert (
        protocol.canonical(a)
        == protocol.canonical(b)
        == '{"a":true,"b":[1,{"x":"中","y":2}]}'.encode()
    )


def test_a_signature_verifies_and_any_change_breaks_it():
    env = signed_from_partner(
        "receipt", {"ref": "6f1c2a4e-8b3d-4c5a-9e7f-0a1b2c3d4e5f", "status": "received"}
    )
    envelope, signature = env["envelope"], env["signature"]
    assert protocol.verify(envelope, signature, public_pem(THEM))
    assert not protocol.verify(envelope, signature, public_pem(US))  # another key
    changed = {**envelope, "receiver": "420703"}
    assert not protocol.verify(changed, signature, public_pem(THEM))
    assert not protocol.verify(envelope, "not base64!", public_pem(THEM))


def test_the_signed_example_is_valid_under_the_schemas():
    assert protocol.schema_errors(example()) == []


def test_the_signed_example_verifies_with_gmssl():
    """An independent SM2 implementation (gmssl, pure Python) verifies the example's
    signature over the RFC 8785 bytes, with SM3 and the default user ID."""
    signed = example()
    data = protocol.canonical(signed["envelope"])
    r, s = decode_dss_signature(base64.b64decode(signed["signature"]))
    public = serialization.load_pem_public_key(public_pem(THEM).encode()).public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    verifier = sm2.CryptSM2(private_key=None, public_key=public.hex()[2:])
    assert verifier.verify_with_sm3(f"{r:064x}{s:064x}", data)
    assert not verifier.verify_with_sm3(f"{r:064x}{s:064x}", data.replace(b"pickup", b"mail__"))


def test_the_example_files_match_their_sm3():
    signed = example()
    found = protocol.check_attachments(signed["envelope"], signed["attachments"])
    assert set(found) == {f["sm3"] for f in signed["envelope"]["files"]}


def test_gmssl_signature_verifies_with_our_implementation():
    """And the other way round: what gmssl signs, we verify."""
    key = private_key(THEM)
    d = key.private_numbers().private_value
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    signer = sm2.CryptSM2(private_key=f"{d:064x}", public_key=public.hex()[2:])
    env = signed_from_partner(
        "receipt", {"ref": "6f1c2a4e-8b3d-4c5a-9e7f-0a1b2c3d4e5f", "status": "received"}
    )["envelope"]
    data = protocol.canonical(env)
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    from gmssl import func

    rs = signer.sign_with_sm3(data, func.random_hex(signer.para_len))
    der = encode_dss_signature(int(rs[:64], 16), int(rs[64:], 16))
    assert protocol.verify(env, base64.b64encode(der).decode(), public_pem(THEM))


def test_schemas_refuse_an_unknown_kind_and_a_body_of_the_wrong_shape():
    signed = signed_from_partner(
        "receipt", {"ref": "6f1c2a4e-8b3d-4c5a-9e7f-0a1b2c3d4e5f", "status": "received"}
    )
    assert protocol.schema_errors(signed) == []
    wrong_kind = {**signed, "envelope": {**signed["envelope"], "kind": "gossip"}}
    assert protocol.schema_errors(wrong_kind)
    wrong_body = {**signed, "envelope": {**signed["envelope"], "body": {"ref": "x"}}}
    assert protocol.schema_errors(wrong_body)
