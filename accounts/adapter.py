"""django-allauth adapters: email in lower case; two-step secrets encrypted at rest."""

from __future__ import annotations

import base64
from functools import lru_cache

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from .two_factor import SECOND_FACTORS, second_factor_required

ENCRYPTED_PREFIX = "fernet:"


class AccountAdapter(DefaultAccountAdapter):
    """Store emails in lower case so that invitations match the account."""

    def clean_email(self, email: str) -> str:
        return super().clean_email(email).lower()


def _fernet_key(secret: str) -> bytes:
    # Any long random string works as MFA_ENCRYPTION_KEY; HKDF turns it into
    # the 32 bytes Fernet needs, bound to this one use.
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"homebase two-step secrets"
    ).derive(secret.encode())
    return base64.urlsafe_b64encode(derived)


@lru_cache(maxsize=4)
def _fernet(keys: str) -> MultiFernet:
    """The first key encrypts; every key decrypts (so keys can be rotated)."""
    return MultiFernet([Fernet(_fernet_key(k.strip())) for k in keys.split(",") if k.strip()])


def encrypt_secret(text: str) -> str:
    return ENCRYPTED_PREFIX + _fernet(settings.MFA_ENCRYPTION_KEY).encrypt(text.encode()).decode()


def decrypt_secret(stored: str) -> str:
    """Refuse anything not encrypted with one of our keys (a secret written into the database)."""
    if not stored.startswith(ENCRYPTED_PREFIX):
        raise ValueError("This two-step sign-in secret is not encrypted.")
    try:
        token = stored.removeprefix(ENCRYPTED_PREFIX).encode()
        return _fernet(settings.MFA_ENCRYPTION_KEY).decrypt(token).decode()
    except InvalidToken:
        raise ValueError("This two-step sign-in secret was not encrypted with our key.") from None


class MFAAdapter(DefaultMFAAdapter):
    """TOTP keys and recovery-code seeds are encrypted with MFA_ENCRYPTION_KEY (Fernet:
    AES-128-CBC with HMAC-SHA256), so a copy of the database does not give away
    anyone's second factor.
    """

    def encrypt(self, text: str) -> str:
        return encrypt_secret(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_secret(encrypted_text)

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Operators and practice staff keep at least one second factor."""
        if authenticator.type not in SECOND_FACTORS:
            return True
        user = authenticator.user
        if not second_factor_required(user):
            return True
        others = Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exclude(
            pk=authenticator.pk
        )
        return others.exists()
