"""Single sign-on through the province's unified identity (OpenID Connect).

Turned on by YISHI_AUTH=oidc (see settings). The IdP's claims are mapped onto our own
records: the ID number claim finds or creates the Person and the ApplicantAccount, so a
person who logs in by SSO is the same applicant as one registered locally. Claim names are
configurable (OIDC_CLAIM_ID_NUMBER, OIDC_CLAIM_NAME, OIDC_CLAIM_PHONE): IdPs differ.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import QuerySet
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from yishi.core.errors import DomainError, ValidationFailed
from yishi.core.validators import validate_ric
from yishi.people.models import ApplicantAccount
from yishi.people.queries import person_by_id_number
from yishi.people.services import applicant_account_from_claims, applicant_phone_update

logger = logging.getLogger(__name__)


def _claim(claims: dict[str, Any], setting: str) -> str:
    value = claims.get(getattr(settings, setting))
    return "" if value is None else str(value).strip()


class ProvinceOIDCBackend(OIDCAuthenticationBackend):
    def verify_claims(self, claims: dict[str, Any]) -> bool:
        """A login needs a valid ID number and a name; anything else is refused and logged
        (without the number)."""
        try:
            validate_ric(_claim(claims, "OIDC_CLAIM_ID_NUMBER"), field="id_number")
        except ValidationFailed:
            # The message may quote parts of the number (its birth date): log none of it.
            logger.warning("SSO login refused: ID number claim missing or invalid")
            return False
        if not _claim(claims, "OIDC_CLAIM_NAME"):
            logger.warning("SSO login refused: name claim missing")
            return False
        return True

    def describe_user_by_claims(self, claims: dict[str, Any]) -> str:
        return "id number claim (not logged)"

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[User]:
        try:
            number = validate_ric(_claim(claims, "OIDC_CLAIM_ID_NUMBER")).number
        except ValidationFailed:
            return User.objects.none()
        person = person_by_id_number(number)
        if person is None:
            return User.objects.none()
        return User.objects.filter(applicant__person=person)

    def create_user(self, claims: dict[str, Any]) -> User | None:
        try:
            account = applicant_account_from_claims(
                id_number=_claim(claims, "OIDC_CLAIM_ID_NUMBER"),
                name=_claim(claims, "OIDC_CLAIM_NAME"),
                phone=_claim(claims, "OIDC_CLAIM_PHONE"),
            )
        except DomainError as exc:
            logger.warning("SSO login refused: %s", exc.message)
            return None
        return account.user

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        """Keep the account's phone in step with the IdP when it gives a valid, free one."""
        account = ApplicantAccount.objects.filter(user=user).first()
        phone = _claim(claims, "OIDC_CLAIM_PHONE")
        if account is not None and phone:
            try:
                applicant_phone_update(account=account, phone=phone)
            except DomainError as exc:
                logger.info("SSO phone claim not applied: %s", exc.message)
        return user
