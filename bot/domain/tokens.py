"""Signed, expiring tokens carried by a health code's QR as a Telegram deep-link start payload.

Layout (34 bytes, big-endian), then base64url without padding (46 characters; Telegram allows 64):

    version:1 | key_id:1 | holder:8 | issued_at:4 | expires_at:4 | mac:16

The holder is the opaque random id the bot keeps per user, so a scanned code reveals nothing about the
person without the bot's database. The MAC covers every byte before it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

VERSION = 1
_BODY = struct.Struct(">BBQII")
# 128 bits leave a forger a 2**-128 chance per guess, and every guess has to go through the bot online;
# the full 32 bytes would push the token to 67 characters, over Telegram's 64-character start payload.
_MAC_BYTES = 16
_RAW_BYTES = _BODY.size + _MAC_BYTES
TOKEN_LENGTH = (_RAW_BYTES * 8 + 5) // 6
_TOKEN_SHAPE = re.compile(rf"[A-Za-z0-9_-]{{{TOKEN_LENGTH}}}", re.ASCII)
_UINT32 = 2**32
_UINT64 = 2**64
_USERNAME = re.compile(r"[A-Za-z0-9_]{1,32}", re.ASCII)
_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)


class TokenFailure(StrEnum):
    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"


class TokenError(Exception):
    def __init__(self, reason: TokenFailure) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class SigningKey:
    key_id: int
    # Kept out of repr so a logged settings object or traceback does not leak it.
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not 0 <= self.key_id <= 255:
            raise ValueError("key_id must fit in one byte")
        if not self.secret:
            raise ValueError("secret must not be empty")


@dataclass(frozen=True, slots=True)
class CodeClaims:
    holder: int
    issued_at: int
    expires_at: int
    key_id: int


def key_from_secret(secret: str | bytes) -> SigningKey:
    """A signing key whose id changes with the secret, so tokens name the key that signed them."""
    raw = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if not raw:
        raise ValueError("secret must not be empty")
    return SigningKey(key_id=hashlib.sha256(raw).digest()[0], secret=raw)


def _mac(secret: bytes, body: bytes) -> bytes:
    return hmac.digest(secret, body, "sha256")[:_MAC_BYTES]


def issue_token(holder: int, issued_at: int, expires_at: int, key: SigningKey) -> str:
    if not 0 <= holder < _UINT64:
        raise ValueError("holder must be an unsigned 64-bit number")
    if not 0 <= issued_at < _UINT32 or not 0 <= expires_at < _UINT32:
        raise ValueError("times must be unix seconds that fit in 32 bits")
    if expires_at <= issued_at:
        raise ValueError("a token must expire after it is issued")
    body = _BODY.pack(VERSION, key.key_id, holder, issued_at, expires_at)
    return base64.urlsafe_b64encode(body + _mac(key.secret, body)).rstrip(b"=").decode("ascii")


def verify_token(token: str, keys: Sequence[SigningKey], now: int) -> CodeClaims:
    """The claims of a token this bot signed and that is valid at `now`; raises TokenError otherwise.

    Valid from issued_at (inclusive) to expires_at (exclusive).
    """
    # Length first, so an attacker's megabyte string costs nothing more than len().
    if not isinstance(token, str) or len(token) != TOKEN_LENGTH or _TOKEN_SHAPE.fullmatch(token) is None:
        raise TokenError(TokenFailure.MALFORMED)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    # The decoder ignores the spare low bits of the last character, so several strings decode to the
    # same bytes; only the canonical one is accepted, so one code has exactly one token.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != token:
        raise TokenError(TokenFailure.MALFORMED)
    body, mac = raw[: _BODY.size], raw[_BODY.size :]
    if body[0] != VERSION:
        raise TokenError(TokenFailure.MALFORMED)
    key_id = body[1]
    # Ids come from one byte of a hash, so two live secrets can share one: try each of them.
    candidates = [key for key in keys if key.key_id == key_id]
    if not candidates:
        raise TokenError(TokenFailure.UNKNOWN_KEY)
    if not any(hmac.compare_digest(_mac(key.secret, body), mac) for key in candidates):
        raise TokenError(TokenFailure.BAD_SIGNATURE)
    # Only now, with the signature checked, is anything inside the token trusted.
    _, _, holder, issued_at, expires_at = _BODY.unpack(body)
    if now < issued_at:
        raise TokenError(TokenFailure.NOT_YET_VALID)
    if now >= expires_at:
        raise TokenError(TokenFailure.EXPIRED)
    return CodeClaims(holder=holder, issued_at=issued_at, expires_at=expires_at, key_id=key_id)


def deep_link(bot_username: str, token: str) -> str:
    """The t.me link that opens the bot with `/start <token>`."""
    username = bot_username.removeprefix("@")
    if _USERNAME.fullmatch(username) is None:
        raise ValueError("not a Telegram bot username")
    if _PAYLOAD.fullmatch(token) is None:
        raise ValueError("not a valid start payload")
    return f"https://t.me/{username}?start={token}"
