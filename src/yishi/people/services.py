"""Writes to the subject registries: persons (自然人) and companies (法人).

ID numbers and phone numbers are validated, stored encrypted (SM4) with a keyed-hash index
(HMAC-SM3) beside them, and never written to the audit log or the logs unmasked.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone, translation

from yishi.core.audit import audit_append
from yishi.core.crypto import hmac_sm3_hex, mask, mask_phone
from yishi.core.errors import (
    Conflict,
    DomainError,
    NotFound,
    TooManyRequests,
    ValidationFailed,
)
from yishi.core.events import event_record
from yishi.core.fields import blind_index
from yishi.core.outbox import CODE_PLACEHOLDER, SMS_CODE_TEMPLATE, outbox_enqueue
from yishi.core.validators import validate_mobile, validate_ric, validate_uscc
from yishi.people.access_log import purpose_clean, registry_access_record
from yishi.people.models import (
    ApplicantAccount,
    Company,
    CompanyAgent,
    LoginFailure,
    Person,
    RegistryAccess,
    SmsCode,
    ThrottleKey,
)
from yishi.people.queries import company_by_uscc, person_by_id_number, represents

logger = logging.getLogger(__name__)

NAME_MAX = 50
COMPANY_NAME_MAX = 150


def _required_text(value: str, *, field: str, label: str, max_length: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(f"{label}不能为空", field=field)
    if len(text) > max_length:
        raise ValidationFailed(f"{label}最多{max_length}个字，实际为{len(text)}个字", field=field)
    return text


def _optional_text(value: str, *, field: str, label: str, max_length: int) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        raise ValidationFailed(f"{label}最多{max_length}个字，实际为{len(text)}个字", field=field)
    return text


def person_register(*, name: str, id_number: str, phone: str = "", actor: object = "") -> Person:
    """Register a natural person; birth date, sex and region come from the ID number.

    A second registration of the same ID number is a Conflict (the unique blind index also
    catches two registrations racing each other)."""
    name = _required_text(name, field="name", label="姓名", max_length=NAME_MAX)
    ric = validate_ric(id_number, field="id_number")
    mobile = validate_mobile(phone, field="phone").number if (phone or "").strip() else ""
    index = blind_index(ric.number)
    duplicate = Conflict("该居民身份证号已登记", field="id_number", code="duplicate")
    with transaction.atomic():
        if Person.objects.filter(id_number_index=index).exists():
            raise duplicate
        try:
            with transaction.atomic():
                person = Person.objects.create(
                    name=name,
                    id_number=ric.number,
                    id_number_index=index,
                    birth_date=ric.birth_date,
                    sex=ric.sex,
                    region_code=ric.region_code,
                    phone=mobile,
                    phone_index=blind_index(mobile) if mobile else "",
                )
        except IntegrityError:
            raise duplicate from None
        audit_append(
            action="person.register",
            actor=actor,
            object_type="person",
            object_id=person.pk,
            data={"id_number": mask(ric.number), "phone": mask_phone(mobile)},
        )
    return person


# What a lookup shows unmasked (the ID number and the phone come back masked).
LOOKUP_FIELDS = ["name", "birth_date", "sex", "region_code"]


def person_lookup(
    *, id_number: str, actor: object = "", purpose: str | None = None, role: str = ""
) -> Person:
    """Find a person by full ID number for a member of staff; every lookup, found or not, is
    written to the audit log (with the number masked). Given a `purpose` (a staff account
    `actor` acting as `role`), a hit is also recorded for the person to see (谁查看了我的信息),
    in the same transaction."""
    ric = validate_ric(id_number, field="id_number")
    if purpose is not None:
        purpose = purpose_clean(purpose)
    person = person_by_id_number(ric.number)
    # Not one transaction with the NotFound below on purpose: a miss is recorded too.
    with transaction.atomic():
        audit_append(
            action="person.lookup",
            actor=actor,
            object_type="person",
            object_id=person.pk if person else "",
            data={"id_number": mask(ric.number), "found": person is not None},
        )
        if person is not None and purpose is not None:
            registry_access_record(
                reader=actor,
                role=role,
                person=person,
                fields=LOOKUP_FIELDS,
                purpose=purpose,
                channel=RegistryAccess.Channel.LOOKUP,
            )
    if person is None:
        raise NotFound("未找到该居民身份证号对应的自然人", field="id_number")
    return person


def registry_record_changed(
    subject: Person | Company, *, fields: list[str], actor: object = ""
) -> Person | Company:
    """Save a registry entry edited in the back office: audited (which fields changed, not
    their values) and announced as `people.registry_changed`, so that benefit matching looks
    at the subject again (a death ends grants at the next monthly run by itself)."""
    changed = [f for f in dict.fromkeys(fields) if f not in ("id_number", "phone")]
    with transaction.atomic():
        if changed:
            subject.save(update_fields=changed)
        key = "person_id" if isinstance(subject, Person) else "company_id"
        audit_append(
            action="people.registry.change",
            actor=actor,
            object_type=f"people.{type(subject).__name__.lower()}",
            object_id=subject.pk,
            data={"fields": changed},
        )
        if changed:
            event_record("people.registry_changed", {key: subject.pk, "fields": changed})
    return subject


def company_register(
    *,
    name: str,
    uscc: str,
    legal_representative: str = "",
    legal_representative_id_number: str = "",
    address: str = "",
    actor: object = "",
) -> Company:
    """Register a company or organisation under its 统一社会信用代码; the registration
    region comes from the code's 3rd–8th characters. The legal representative's ID number
    is stored encrypted with its blind index (a claim to be them is checked against it)."""
    name = _required_text(name, field="name", label="名称", max_length=COMPANY_NAME_MAX)
    info = validate_uscc(uscc, field="uscc")
    legal_representative = _optional_text(
        legal_representative, field="legal_representative", label="法定代表人", max_length=50
    )
    rep_id = ""
    if (legal_representative_id_number or "").strip():
        rep_id = validate_ric(
            legal_representative_id_number, field="legal_representative_id_number"
        ).number
    address = _optional_text(address, field="address", label="住所", max_length=200)
    duplicate = Conflict("该统一社会信用代码已登记", field="uscc", code="duplicate")
    with transaction.atomic():
        if Company.objects.filter(uscc=info.code).exists():
            raise duplicate
        try:
            with transaction.atomic():
                company = Company.objects.create(
                    name=name,
                    uscc=info.code,
                    legal_representative=legal_representative,
                    legal_representative_id_number=rep_id,
                    legal_representative_id_number_index=blind_index(rep_id) if rep_id else "",
                    region_code=info.region_code,
                    address=address,
                )
        except IntegrityError:
            raise duplicate from None
        audit_append(
            action="company.register",
            actor=actor,
            object_type="company",
            object_id=info.code,
            data={"name": name, "legal_representative_id_number": mask(rep_id)},
        )
    return company


# ---------------------------------------------------------------- SMS codes

SMS_CODE_DIGITS = 6
SMS_TOPIC = "sms.code"
_PURPOSE_TEXT = {
    "register": "注册账号",
    "login": "登录",
    "reset": "重置密码",
    "identity": "远程视频办理身份核验",
}


# What a client may ask a code for (API and pages). The identity-check code of the remote
# window goes only to the phone on record, asked by the platform itself (`internal=True`).
PUBLIC_PURPOSES = (SmsCode.Purpose.REGISTER, SmsCode.Purpose.LOGIN, SmsCode.Purpose.RESET)


def _sms_purpose(purpose: str, *, internal: bool = False) -> str:
    allowed_values = SmsCode.Purpose.values if internal else [p.value for p in PUBLIC_PURPOSES]
    if purpose not in allowed_values:
        allowed = "、".join(f"{p.value}（{p.label}）" for p in PUBLIC_PURPOSES)
        raise ValidationFailed(f"验证码用途只能是{allowed}", field="purpose")
    return purpose


def _sms_code_hash(*, phone_index: str, purpose: str, code: str) -> str:
    # Keyed and bound to the phone and purpose: a code cannot be replayed for another.
    return hmac_sm3_hex(f"sms:{purpose}:{phone_index}:{code}")


def _throttle_lock(*keys: str) -> None:
    """Lock one row per key, inside the caller's transaction, so that requests counting the
    same key's attempts run one after another (created on first use; locked in key order, so
    two requests locking the same keys cannot deadlock)."""
    ThrottleKey.objects.bulk_create([ThrottleKey(key=k) for k in keys], ignore_conflicts=True)
    list(ThrottleKey.objects.select_for_update(no_key=True).filter(key__in=keys).order_by("key"))


def sms_address_index(address: str) -> str:
    """The keyed hash of a client address the per-address SMS limit counts by ("" for none)."""
    return hmac_sm3_hex(f"sms-address:{address}") if address else ""


def _sms_limits(*, index: str, address_index: str, purpose: str, now: dt.datetime) -> None:
    """Refuse a code within SMS_RESEND_SECONDS of the last one for the phone and purpose, or
    over the hourly limits per phone and per client address. Runs under `_throttle_lock`."""
    resend = int(settings.SMS_RESEND_SECONDS)
    last = (
        SmsCode.objects.filter(phone_index=index, purpose=purpose)
        .order_by("-created_at", "-id")
        .first()
    )
    if last is not None and (now - last.created_at).total_seconds() < resend:
        wait = resend - int((now - last.created_at).total_seconds())
        raise TooManyRequests(
            f"验证码发送过于频繁，请{max(wait, 1)}秒后再获取", field="phone", code="sms_resend"
        )
    hour_ago = now - dt.timedelta(hours=1)
    per_phone = int(settings.SMS_MAX_PER_PHONE_HOUR)
    if SmsCode.objects.filter(phone_index=index, created_at__gt=hour_ago).count() >= per_phone:
        raise TooManyRequests(
            f"该手机号码1小时内已获取{per_phone}次验证码，请稍后再试",
            field="phone",
            code="sms_phone_limit",
        )
    per_address = int(settings.SMS_MAX_PER_ADDRESS_HOUR)
    if (
        address_index
        and SmsCode.objects.filter(address_index=address_index, created_at__gt=hour_ago).count()
        >= per_address
    ):
        raise TooManyRequests(
            f"当前网络1小时内获取验证码已达{per_address}次，请稍后再试",
            field="phone",
            code="sms_address_limit",
        )


def sms_code_send(
    *, phone: str, purpose: str, address: str = "", internal: bool = False
) -> SmsCode:
    """Send a one-time code by SMS through the outbox; at most one per phone and purpose
    every SMS_RESEND_SECONDS, SMS_MAX_PER_PHONE_HOUR per phone and SMS_MAX_PER_ADDRESS_HOUR
    per client `address` an hour. The answer never tells whether the phone has an account:
    a login or reset code for a phone without one is recorded but not sent (nobody there can
    use it), and a registration code goes out either way (only the phone's holder reads it;
    registration refuses a taken phone once the code is verified)."""
    number = validate_mobile(phone, field="phone").number
    purpose = _sms_purpose(purpose, internal=internal)
    index = blind_index(number)
    address_index = sms_address_index(address)
    code = "".join(secrets.choice("0123456789") for _ in range(SMS_CODE_DIGITS))
    ttl = int(settings.SMS_CODE_TTL_SECONDS)
    destination = settings.SMS_DESTINATION
    with transaction.atomic():
        _throttle_lock(f"sms:{index}", *([f"sms-addr:{address_index}"] if address_index else []))
        now = timezone.now()  # after the wait for the lock: the rows it counts are older
        _sms_limits(index=index, address_index=address_index, purpose=purpose, now=now)
        # An identity-check code goes to the phone on record (yishi.remote), so it is sent
        # whether or not an account logs in with that number.
        deliver = (
            purpose in (SmsCode.Purpose.REGISTER, SmsCode.Purpose.IDENTITY)
            or ApplicantAccount.objects.filter(phone_index=index).exists()
        )
        # A new code replaces the earlier ones.
        SmsCode.objects.filter(phone_index=index, purpose=purpose, used_at__isnull=True).update(
            expires_at=now
        )
        sms = SmsCode.objects.create(
            phone_index=index,
            purpose=purpose,
            code_hash=_sms_code_hash(phone_index=index, purpose=purpose, code=code),
            expires_at=now + dt.timedelta(seconds=ttl),
            address_index=address_index,
        )
        if deliver:
            outbox_enqueue(
                topic=SMS_TOPIC,
                destination=destination,
                # Encrypted at rest; the outbox puts the code into the text as it sends it
                # and keeps neither once delivered (`outbox.rendered`).
                payload={
                    "phone": number,
                    "template": SMS_CODE_TEMPLATE,
                    "purpose": purpose,
                    "code": code,
                    "text": (
                        f"【{settings.SITE_NAME}】您的{_PURPOSE_TEXT[purpose]}验证码为"
                        f"{CODE_PLACEHOLDER}，{ttl // 60}分钟内有效。请勿泄露给他人。"
                    ),
                },
            )
    if deliver and (settings.DEBUG or settings.DEMO) and destination == "log":
        # Development and demo: no SMS gateway, so the code goes to the console at once.
        logger.warning("开发环境短信验证码 %s（%s）：%s", mask_phone(number), purpose, code)
    return sms


def _sms_code_match(*, phone: str, purpose: str, code: str) -> SmsCode:
    """The pending code this input matches. A wrong code counts as an attempt; that count
    is committed even though the caller's use case then fails."""
    index = blind_index(phone)
    code = (code or "").strip()
    error: ValidationFailed | None = None
    limit = int(settings.SMS_MAX_ATTEMPTS)
    with transaction.atomic():
        sms = (
            SmsCode.objects.select_for_update(no_key=True)
            .filter(phone_index=index, purpose=purpose)
            .order_by("-created_at", "-id")
            .first()
        )
        if not code:
            error = ValidationFailed("短信验证码不能为空", field="sms_code")
        elif sms is None:
            error = ValidationFailed("短信验证码无效，请先获取验证码", field="sms_code")
        elif sms.used_at is not None:
            error = ValidationFailed("短信验证码已使用，请重新获取", field="sms_code")
        elif sms.expires_at <= timezone.now():
            error = ValidationFailed("短信验证码已过期，请重新获取", field="sms_code")
        elif sms.attempts >= limit:
            error = ValidationFailed(
                f"短信验证码已输错{limit}次，请重新获取", field="sms_code", code="sms_attempts"
            )
        elif not secrets.compare_digest(
            sms.code_hash, _sms_code_hash(phone_index=index, purpose=purpose, code=code)
        ):
            SmsCode.objects.filter(pk=sms.pk).update(attempts=F("attempts") + 1)
            left = limit - sms.attempts - 1
            error = ValidationFailed(
                f"短信验证码不正确，还可再试{left}次" if left else "短信验证码不正确，请重新获取",
                field="sms_code",
            )
    if error is not None:
        raise error
    return sms


def _sms_code_consume(sms: SmsCode) -> None:
    """Mark the code used, inside the caller's transaction; a code is good once."""
    taken = SmsCode.objects.filter(pk=sms.pk, used_at__isnull=True).update(used_at=timezone.now())
    if taken != 1:
        raise ValidationFailed("短信验证码已使用，请重新获取", field="sms_code")


def sms_code_verify(*, phone: str, purpose: str, code: str, internal: bool = False) -> None:
    """Check and use up a code: wrong, expired, used or over-tried codes raise a Chinese
    ValidationFailed on field `sms_code`."""
    number = validate_mobile(phone, field="phone").number
    purpose = _sms_purpose(purpose, internal=internal)
    sms = _sms_code_match(phone=number, purpose=purpose, code=code)
    with transaction.atomic():
        _sms_code_consume(sms)


# ---------------------------------------------------------------- applicant accounts

PASSWORD_MAX = 128


def applicant_username(phone_index: str) -> str:
    """The auth username of a locally registered applicant: not the phone itself, which is
    personal data kept encrypted, but its blind index."""
    return f"m-{phone_index}"


# Django's zh-hans catalogue lacks some validator messages (5.2 changed their msgids), so the
# common ones are worded here, by the validator's error code.
_PASSWORD_MESSAGES = {
    "password_too_short": "长度不足{min_length}位",
    "password_too_common": "过于常见，容易被猜到",
    "password_entirely_numeric": "不能全是数字",
    "password_too_similar": "与个人信息过于相似",
}


def _validate_password(password: str) -> str:
    if not password:
        raise ValidationFailed("密码不能为空", field="password")
    if len(password) > PASSWORD_MAX:
        raise ValidationFailed(f"密码最多{PASSWORD_MAX}个字符", field="password")
    try:
        validate_password(password)
    except DjangoValidationError as exc:
        reasons = []
        with translation.override(settings.LANGUAGE_CODE):
            for error in exc.error_list:
                template = _PASSWORD_MESSAGES.get(error.code or "")
                params = error.params or {}
                reasons.append(template.format(**params) if template else " ".join(error))
        raise ValidationFailed(f"密码{'，'.join(reasons)}", field="password") from None
    return password


def applicant_register(
    *, name: str, id_number: str, phone: str, password: str, sms_code: str
) -> ApplicantAccount:
    """Register an applicant: validate the input's form, check the SMS code, and only then
    look at the registries (phone or ID number taken, name not matching the ID number), so
    that nobody learns about others' data without a code sent to their own phone. A code
    that got that far is used up even when the registration is refused: each such answer
    costs the asker a new code. Creates (or links) the Person, the User and the
    ApplicantAccount in one transaction."""
    name = _required_text(name, field="name", label="姓名", max_length=NAME_MAX)
    ric = validate_ric(id_number, field="id_number")
    number = validate_mobile(phone, field="phone").number
    _validate_password(password)
    phone_index = blind_index(number)
    phone_taken = Conflict("该手机号码已注册账号", field="phone", code="duplicate")
    id_taken = Conflict("该居民身份证号已注册账号", field="id_number", code="duplicate")
    sms = _sms_code_match(phone=number, purpose=SmsCode.Purpose.REGISTER, code=sms_code)
    refusal: DomainError | None = None
    person = person_by_id_number(ric.number)
    if ApplicantAccount.objects.filter(phone_index=phone_index).exists():
        refusal = phone_taken
    elif person is not None and ApplicantAccount.objects.filter(person=person).exists():
        refusal = id_taken
    elif person is not None and person.name != name:
        refusal = ValidationFailed("姓名与该居民身份证号登记的姓名不一致", field="name")
    if refusal is not None:
        with transaction.atomic():
            _sms_code_consume(sms)
        raise refusal
    try:
        with transaction.atomic():
            if person is None:
                person = person_register(
                    name=name, id_number=ric.number, phone=number, actor="applicant"
                )
            user = User(username=applicant_username(phone_index), is_staff=False)
            user.set_password(password)
            user.save()
            account = ApplicantAccount.objects.create(
                user=user,
                person=person,
                phone=number,
                phone_index=phone_index,
                source=ApplicantAccount.Source.LOCAL,
                verified_at=timezone.now(),
            )
            _sms_code_consume(sms)
            audit_append(
                action="applicant.register",
                actor=user,
                object_type="applicant_account",
                object_id=account.pk,
                data={"id_number": mask(ric.number), "phone": mask_phone(number)},
            )
    except IntegrityError:
        # Two registrations racing for the same phone or the same person.
        if ApplicantAccount.objects.filter(phone_index=phone_index).exists():
            raise phone_taken from None
        raise id_taken from None
    except Conflict as exc:
        if exc.field == "id_number":  # person_register lost a race
            raise id_taken from None
        raise
    return account


def _login_attempt_claim(index: str) -> bool:
    """Claim one of the phone's LOGIN_MAX_FAILURES password attempts in the window: a
    LoginFailure row written, and committed, before the password is checked (the caller
    clears it when the password was right). Counted under the phone's lock, so parallel
    guesses are counted one after another and at most the limit get checked. False when the
    attempts are used up."""
    since = timezone.now() - dt.timedelta(seconds=int(settings.LOGIN_FAILURE_WINDOW_SECONDS))
    with transaction.atomic():
        _throttle_lock(f"login:{index}")
        LoginFailure.objects.filter(phone_index=index, at__lt=since).delete()  # no longer counted
        if LoginFailure.objects.filter(phone_index=index).count() >= int(
            settings.LOGIN_MAX_FAILURES
        ):
            return False
        LoginFailure.objects.create(phone_index=index)
    return True


def applicant_login(
    *, request: HttpRequest | None, phone: str, password: str = "", sms_code: str = ""
) -> AbstractBaseUser:
    """Authenticate an applicant by phone and password, or phone and SMS code, through the
    auth backends. After LOGIN_MAX_FAILURES wrong passwords for a phone within the window,
    passwords are refused without being checked; a login code still works (its own tries
    are limited), so a stranger's guessing does not lock the phone's holder out. The answers
    are the same whether or not the phone has an account."""
    number = validate_mobile(phone, field="phone").number
    index = blind_index(number)
    if sms_code:
        failure = ValidationFailed("手机号码或短信验证码不正确", field="sms_code")
        try:
            # SmsCodeBackend raises the code's precise fault (wrong, expired, used up).
            user = authenticate(request, phone=number, sms_code=sms_code)
            if user is None:
                # No account: check the code anyway (a pretend send recorded one), so the
                # answer is the one a registered phone would get.
                _sms_code_match(phone=number, purpose=SmsCode.Purpose.LOGIN, code=sms_code)
        except ValidationFailed as exc:
            user, failure = None, exc
    else:
        if not password:
            raise ValidationFailed("密码不能为空", field="password")
        if not _login_attempt_claim(index):
            limit = int(settings.LOGIN_MAX_FAILURES)
            minutes = int(settings.LOGIN_FAILURE_WINDOW_SECONDS) // 60
            raise TooManyRequests(
                f"该手机号码密码登录失败已达{limit}次，请{minutes}分钟后再试，或使用短信验证码登录",
                field="phone",
                code="login_locked",
            )
        user = authenticate(request, phone=number, password=password)
        failure = ValidationFailed("手机号码或密码不正确", field="password")
    if user is None:
        logger.info("applicant login failed for %s", mask_phone(number))
        raise failure
    LoginFailure.objects.filter(phone_index=index).delete()
    return user


def applicant_password_reset(*, phone: str, sms_code: str, password: str) -> ApplicantAccount:
    """Set a new password for the account holding `phone`, proven by a reset code; the
    login failures counted against the phone are cleared."""
    number = validate_mobile(phone, field="phone").number
    _validate_password(password)
    index = blind_index(number)
    # The code first: before it, a phone with no account gets the answers one with an
    # account gets (its reset code was recorded, not sent).
    sms = _sms_code_match(phone=number, purpose=SmsCode.Purpose.RESET, code=sms_code)
    account = ApplicantAccount.objects.select_related("user").filter(phone_index=index).first()
    if account is None:
        raise ValidationFailed("短信验证码不正确，请重新获取", field="sms_code")
    with transaction.atomic():
        _sms_code_consume(sms)
        account.user.set_password(password)
        account.user.save(update_fields=["password"])
        LoginFailure.objects.filter(phone_index=index).delete()
        audit_append(
            action="applicant.password_reset",
            actor=account.user,
            object_type="applicant_account",
            object_id=account.pk,
            data={"phone": mask_phone(number)},
        )
    return account


def applicant_account_from_claims(
    *, id_number: str, name: str, phone: str = ""
) -> ApplicantAccount:
    """The account for a person the province's unified identity vouched for: found by ID
    number, or created (with the Person when the registry does not know them yet)."""
    return _verified_account(
        id_number=id_number,
        name=name,
        phone=phone,
        source=ApplicantAccount.Source.OIDC,
        username_prefix="sso",
        actor=None,
    )


def applicant_account_at_counter(
    *, id_number: str, name: str, phone: str = "", staff
) -> ApplicantAccount:
    """The account of a walk-in applicant whose ID card the window staff checked in person:
    found by ID number, or created. The applicant can later set a password by SMS reset."""
    return _verified_account(
        id_number=id_number,
        name=name,
        phone=phone,
        source=ApplicantAccount.Source.COUNTER,
        username_prefix="ctr",
        actor=staff,
    )


def _verified_account(
    *, id_number: str, name: str, phone: str, source: str, username_prefix: str, actor
) -> ApplicantAccount:
    """Find or create the account of a person whose identity was verified elsewhere (the IdP,
    or staff at the counter), without a usable password."""
    ric = validate_ric(id_number, field="id_number")
    name = _required_text(name, field="name", label="姓名", max_length=NAME_MAX)
    try:
        number = validate_mobile(phone, field="phone").number if phone else ""
    except ValidationFailed:
        number = ""  # a bad phone does not stop the identification
    person = person_by_id_number(ric.number)
    if person is not None:
        account = ApplicantAccount.objects.filter(person=person).select_related("user").first()
        if account is not None:
            return account
    phone_index = blind_index(number) if number else ""
    if phone_index and ApplicantAccount.objects.filter(phone_index=phone_index).exists():
        number, phone_index = "", ""  # someone else's account holds that phone
    with transaction.atomic():
        if person is None:
            person = person_register(
                name=name, id_number=ric.number, phone=number, actor=actor or source
            )
        user = User(username=f"{username_prefix}-{person.id_number_index[:40]}", is_staff=False)
        user.set_unusable_password()  # no password until the applicant sets one
        user.save()
        account = ApplicantAccount.objects.create(
            user=user,
            person=person,
            phone=number,
            phone_index=phone_index,
            source=source,
            verified_at=timezone.now(),
        )
        audit_append(
            action=f"applicant.register_{source}",
            actor=actor or user,
            object_type="applicant_account",
            object_id=account.pk,
            data={"id_number": mask(ric.number), "phone": mask_phone(number)},
        )
    return account


def applicant_phone_update(*, account: ApplicantAccount, phone: str) -> ApplicantAccount:
    """Change the account's mobile number (after it was verified elsewhere: an SMS code or
    the IdP); a number another account holds is a Conflict."""
    number = validate_mobile(phone, field="phone").number
    index = blind_index(number)
    if index == account.phone_index:
        return account
    taken = Conflict("该手机号码已被其他账号使用", field="phone", code="duplicate")
    with transaction.atomic():
        if ApplicantAccount.objects.filter(phone_index=index).exclude(pk=account.pk).exists():
            raise taken
        account.phone, account.phone_index = number, index
        account.verified_at = timezone.now()
        try:
            with transaction.atomic():
                account.save(update_fields=["phone", "phone_index", "verified_at"])
        except IntegrityError:
            raise taken from None
        audit_append(
            action="applicant.phone_update",
            actor=account.user,
            object_type="applicant_account",
            object_id=account.pk,
            data={"phone": mask_phone(number)},
        )
    return account


# ---------------------------------------------------------------- company agents

AGENT_NOTE_MAX = 200
LEGAL = CompanyAgent.Role.LEGAL_REPRESENTATIVE
Verification = CompanyAgent.Verification


def _clean_scopes(role: str, scopes: object) -> list[str]:
    """The scope codes of a claim, in their canonical order; a legal representative's are
    all of them, an agent's must be named."""
    if role == LEGAL:
        return list(CompanyAgent.Scope.values)
    if not isinstance(scopes, list | tuple):
        raise ValidationFailed("授权范围必须是列表", field="scopes")
    chosen = set(scopes)
    if not chosen:
        raise ValidationFailed("经办人(代理人)须选择至少一项授权范围", field="scopes")
    if not chosen <= set(CompanyAgent.Scope.values):
        allowed = "、".join(f"{value}（{label}）" for value, label in CompanyAgent.Scope.choices)
        raise ValidationFailed(f"授权范围只能是{allowed}", field="scopes")
    return [code for code in CompanyAgent.Scope.values if code in chosen]


def agent_authorise(
    *,
    company: Company,
    person: Person,
    role: str,
    scopes: list[str] | tuple[str, ...] = (),
    until: dt.date | None = None,
    note: str = "",
    verification: str = "",
    verified_by: object = None,
    actor: object = "",
) -> CompanyAgent:
    """Record that `person` claims to act for `company`: verified at once when `verification`
    says how (registry, counter, legal_rep), else pending. A 经办人 needs scopes and an end
    date. A previous claim of the same pair that ran out, or that was pending and is now
    verified, is closed and replaced."""
    if role not in CompanyAgent.Role.values:
        raise ValidationFailed("身份只能是法定代表人或经办人(代理人)", field="role")
    if verification and verification not in Verification.values:
        raise ValidationFailed("核验方式无效", field="verification")
    scopes = _clean_scopes(role, scopes)
    today = timezone.localdate()
    if role == CompanyAgent.Role.AGENT and until is None:
        raise ValidationFailed("经办人(代理人)须填写授权截止日期", field="authorised_until")
    if until is not None and until < today:
        raise ValidationFailed(
            f"授权截止日期{until.isoformat()}早于今天，请填写今天或以后的日期",
            field="authorised_until",
        )
    note = _optional_text(note, field="note", label="授权说明", max_length=AGENT_NOTE_MAX)
    now = timezone.now()
    duplicate = Conflict("该自然人已是该企业的授权人员", field="company", code="duplicate")
    with transaction.atomic():
        current = (
            CompanyAgent.objects.select_for_update(no_key=True)
            .filter(company=company, person=person, revoked_at__isnull=True)
            .first()
        )
        if current is not None:
            ran_out = current.authorised_until is not None and current.authorised_until < today
            superseded = current.verified_at is None and bool(verification)
            if not (ran_out or superseded):
                raise duplicate
            current.revoked_at = now
            current.save(update_fields=["revoked_at"])
        try:
            with transaction.atomic():
                agent = CompanyAgent.objects.create(
                    company=company,
                    person=person,
                    role=role,
                    scopes=scopes,
                    authorised_until=until,
                    note=note,
                    verified_at=now if verification else None,
                    verification=verification,
                    verified_by=verified_by,
                )
        except IntegrityError:
            raise duplicate from None
        audit_append(
            action="company_agent.authorise",
            actor=actor,
            object_type="company_agent",
            object_id=agent.pk,
            data={
                "company": company.uscc,
                "person": person.pk,
                "role": role,
                "scopes": scopes,
                "until": until.isoformat() if until else None,
                "verification": verification or None,
            },
        )
    return agent


def agent_revoke(*, agent: CompanyAgent, actor: object = "") -> CompanyAgent:
    """End an authorisation now."""
    with transaction.atomic():
        agent = CompanyAgent.objects.select_for_update(no_key=True).get(pk=agent.pk)
        if agent.revoked_at is not None:
            raise Conflict("该授权已撤销", field="agent")
        agent.revoked_at = timezone.now()
        agent.save(update_fields=["revoked_at"])
        audit_append(
            action="company_agent.revoke",
            actor=actor,
            object_type="company_agent",
            object_id=agent.pk,
            data={"company": agent.company.uscc, "person": agent.person_id},
        )
    return agent


def _pending(agent: CompanyAgent) -> CompanyAgent:
    """The claim, locked, if it is still waiting for the counter; Conflict otherwise."""
    agent = (
        CompanyAgent.objects.select_for_update(no_key=True)
        .select_related("company")
        .get(pk=agent.pk)
    )
    if agent.state != CompanyAgent.State.PENDING:
        raise Conflict(f"该授权{agent.state_label}，不能再核验", field="agent")
    return agent


def agent_verify(*, agent: CompanyAgent, staff: object) -> CompanyAgent:
    """Window staff confirm a pending claim after checking, at the counter, the business
    licence (and for an agent the letter of authorisation). The caller checks the role."""
    with transaction.atomic():
        agent = _pending(agent)
        agent.verified_at = timezone.now()
        agent.verification = Verification.COUNTER
        agent.verified_by = staff
        agent.save(update_fields=["verified_at", "verification", "verified_by"])
        audit_append(
            action="company_agent.verify",
            actor=staff,
            object_type="company_agent",
            object_id=agent.pk,
            data={"company": agent.company.uscc, "person": agent.person_id, "role": agent.role},
        )
    return agent


def agent_reject(*, agent: CompanyAgent, staff: object, reason: str = "") -> CompanyAgent:
    """Window staff turn down a pending claim (the documents did not bear it out): it is
    closed and grants nothing."""
    reason = _optional_text(reason, field="reason", label="不予核验理由", max_length=200)
    with transaction.atomic():
        agent = _pending(agent)
        agent.revoked_at = timezone.now()
        agent.save(update_fields=["revoked_at"])
        audit_append(
            action="company_agent.reject",
            actor=staff,
            object_type="company_agent",
            object_id=agent.pk,
            data={"company": agent.company.uscc, "person": agent.person_id, "reason": reason},
        )
    return agent


def _registered_person(*, name: str, id_number: str) -> Person:
    """The registered person with this ID number and name (the agent to authorise)."""
    name = _required_text(name, field="agent_name", label="经办人姓名", max_length=NAME_MAX)
    ric = validate_ric(id_number, field="agent_id_number")
    person = person_by_id_number(ric.number)
    if person is None or person.name != name:
        raise ValidationFailed(
            "未找到姓名与居民身份证号一致的已登记自然人，请核对", field="agent_id_number"
        )
    return person


def agent_authorise_by_legal_rep(
    *,
    account: ApplicantAccount,
    company: Company,
    name: str,
    id_number: str,
    scopes: list[str] | tuple[str, ...],
    until: dt.date | None,
    note: str = "",
) -> CompanyAgent:
    """The company's verified legal representative authorises a registered person as
    经办人 from their own account; the authorisation holds at once."""
    if not represents(account.user, company):
        raise NotFound("未找到该企业", field="company")
    person = _registered_person(name=name, id_number=id_number)
    return agent_authorise(
        company=company,
        person=person,
        role=CompanyAgent.Role.AGENT,
        scopes=scopes,
        until=until,
        note=note,
        verification=Verification.LEGAL_REP,
        verified_by=account.user,
        actor=account.user,
    )


def agent_authorise_at_counter(
    *,
    uscc: str,
    name: str,
    id_number: str,
    role: str,
    scopes: list[str] | tuple[str, ...] = (),
    until: dt.date | None = None,
    note: str = "",
    staff: object,
) -> CompanyAgent:
    """Window staff record an authorisation after seeing the business licence (and for an
    agent the letter of authorisation): verified at once. The caller checks the role."""
    info = validate_uscc(uscc, field="uscc")
    company = company_by_uscc(info.code)
    if company is None:
        raise NotFound("该统一社会信用代码未在法人登记信息中，请先登记企业", field="uscc")
    person = _registered_person(name=name, id_number=id_number)
    return agent_authorise(
        company=company,
        person=person,
        role=role,
        scopes=scopes,
        until=until,
        note=note,
        verification=Verification.COUNTER,
        verified_by=staff,
        actor=staff,
    )


def applicant_agent_revoke(*, account: ApplicantAccount, agent: CompanyAgent) -> CompanyAgent:
    """The legal representative ends one of the company's 经办人 authorisations, or the
    holder withdraws their own claim; anyone else is told it does not exist."""
    own = agent.person_id == account.person_id
    if not own and not (
        agent.role == CompanyAgent.Role.AGENT and represents(account.user, agent.company)
    ):
        raise NotFound("未找到该授权", field="agent")
    return agent_revoke(agent=agent, actor=account.user)


def registry_names_legal_rep(company: Company, account: ApplicantAccount) -> bool:
    """Whether the company registry records the account's person as the legal representative
    (same ID number, through the blind index, and same name) and the account's identity was
    verified (SMS at registration, the province's identity service, or the counter)."""
    person = account.person
    return bool(
        account.verified_at
        and company.legal_representative_id_number_index
        and company.legal_representative_id_number_index == person.id_number_index
        and company.legal_representative.strip() == person.name.strip()
    )


def applicant_company_declare(
    *,
    account: ApplicantAccount,
    uscc: str,
    company_name: str,
    role: str,
    scopes: list[str] | tuple[str, ...] = (),
    until: dt.date | None = None,
    note: str = "",
) -> CompanyAgent:
    """An applicant declares they act for a company. A legal representative the registry
    names is verified at once; any other claim waits for the window (待窗口核验). An unknown
    company is added to the registry with the name the applicant gave (and no legal
    representative's ID number, so it cannot vouch for the claim)."""
    info = validate_uscc(uscc, field="uscc")
    with transaction.atomic():
        company = company_by_uscc(info.code)
        if company is None:
            company = company_register(
                name=company_name,
                uscc=info.code,
                legal_representative=account.person.name if role == LEGAL else "",
                actor=account.user,
            )
        matched = role == LEGAL and registry_names_legal_rep(company, account)
        return agent_authorise(
            company=company,
            person=account.person,
            role=role,
            scopes=scopes,
            until=until,
            note=note,
            verification=Verification.REGISTRY if matched else "",
            actor=account.user,
        )
