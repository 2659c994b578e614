"""The opaque `check` handed to the scanner page: a verification's id, signed so that no other can be named.

The id alone would do for the staff member's own checks (the use case refuses another's), but a signed one
is refused before the database is asked, and counting ids reveals nothing about the gate's traffic.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

_LABEL = b"healthcode-webapp-check"
_MAC_BYTES = 12
MAX_CHECK = 64


def check_key(bot_token: str) -> bytes:
    return hmac.new(_LABEL, bot_token.encode(), hashlib.sha256).digest()


def _mac(key: bytes, verification_id: int) -> str:
    digest = hmac.new(key, str(verification_id).encode(), hashlib.sha256).digest()[:_MAC_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign_check(key: bytes, verification_id: int) -> str:
    return f"{verification_id}.{_mac(key, verification_id)}"


def read_check(key: bytes, check: object) -> int | None:
    """The verification id a signed `check` names; None for anything else."""
    if not isinstance(check, str) or len(check) > MAX_CHECK:
        return None
    number, _, mac = check.partition(".")
    if not number.isascii() or not number.isdigit() or len(number) > 18:
        return None
    verification_id = int(number)
    return verification_id if hmac.compare_digest(mac, _mac(key, verification_id)) else None
