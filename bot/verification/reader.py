"""Finding and checking a code's token: in typed or pasted text, in a photo of a code, and its signature.

Plain Python (Pillow and zxing-cpp, no aiogram, no SQLAlchemy), so all of it is tested without a bot.
Whatever is found here is untrusted text until `check` has verified its signature.
"""

from __future__ import annotations

import base64
import io
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass

import zxingcpp
from PIL import Image

from bot.domain.tokens import TOKEN_LENGTH, CodeClaims, SigningKey, TokenError, TokenFailure, verify_token

# A deep link to any bot, with a start payload shaped like a token: a code of another deployment is
# still recognised as a code (and then refused for its signature), rather than "no code found".
_LINK = re.compile(
    rf"(?:https?://)?(?:t|telegram)\.me/[A-Za-z0-9_]{{1,32}}/?\?start=([A-Za-z0-9_-]{{{TOKEN_LENGTH}}})(?![A-Za-z0-9_-])",
    re.ASCII | re.IGNORECASE,
)
_BARE = re.compile(rf"[A-Za-z0-9_-]{{{TOKEN_LENGTH}}}", re.ASCII)
# Longer texts are no pasted code (Telegram's own limit for a message is 4,096 characters).
MAX_TEXT = 4096
# Telegram's largest photo size is 1280 px on its longer side; larger images are scaled down first.
MAX_SIDE = 1600
# Refused before decoding: a decompression bomb would take the process's memory.
MAX_PIXELS = 40_000_000
# The token layout of bot.domain.tokens (version, key id, holder, issued_at, expires_at), read only to
# learn when an already verified token was valid: see `check`.
_BODY = struct.Struct(">BBQII")

SIGNATURE_FAILURES = frozenset({TokenFailure.MALFORMED, TokenFailure.UNKNOWN_KEY, TokenFailure.BAD_SIGNATURE})


def token_in_text(text: str | None) -> str | None:
    """The token of a pasted code link (t.me/<bot>?start=<token>) anywhere in `text`, or a bare token as the whole text."""
    if not text or len(text) > MAX_TEXT:
        return None
    stripped = text.strip()
    if _BARE.fullmatch(stripped):
        return stripped
    found = _LINK.search(text)
    return found.group(1) if found else None


def start_payload_token(payload: str | None) -> str:
    """What `/start <payload>` or `/verify <text>` names: the token in a link, else the text itself (checked later)."""
    text = (payload or "").strip()
    return token_in_text(text) or text


def decode_qr_texts(image_bytes: bytes) -> list[str]:
    """The texts of the QR codes in an image (PNG, JPEG, ...); empty when none is readable or it is no image.

    CPU-bound (a few milliseconds for a phone photo, see bench/bench_verify.py): run it in a thread.
    """
    try:
        with Image.open(io.BytesIO(image_bytes)) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                return []
            # A JPEG can decode straight at a fraction of its size: much faster for a large photo.
            image.draft("L", (MAX_SIDE, MAX_SIDE))
            grey = image.convert("L")
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        return []
    if max(grey.size) > MAX_SIDE:
        grey.thumbnail((MAX_SIDE, MAX_SIDE))
    results = zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    return [result.text for result in results if result.text]


def token_in_image(image_bytes: bytes) -> str | None:
    """The token of the first health code link in a photo; None when the photo holds no such code."""
    for text in decode_qr_texts(image_bytes):
        token = token_in_text(text)
        if token is not None:
            return token
    return None


@dataclass(frozen=True, slots=True)
class Checked:
    """A token's verdict. `claims` is set when the signature is ours, even if the token expired: the
    holder of an expired code is then known for certain (only the time was wrong)."""

    claims: CodeClaims | None
    failure: TokenFailure | None

    @property
    def valid(self) -> bool:
        return self.failure is None

    @property
    def signed(self) -> bool:
        return self.claims is not None


def check(token: str, keys: Sequence[SigningKey], now: int) -> Checked:
    """Verify `token` at `now`; the signature is checked (by verify_token) before anything in it is read."""
    try:
        return Checked(verify_token(token, keys, now), None)
    except TokenError as error:
        failure = error.reason
    if failure in SIGNATURE_FAILURES:
        return Checked(None, failure)
    # EXPIRED or NOT_YET_VALID: verify_token got past the signature, so the body is ours. Its issue time
    # is read and the token verified again at that moment, which returns the claims only if signed.
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    issued_at = _BODY.unpack_from(raw)[3]
    try:
        return Checked(verify_token(token, keys, issued_at), failure)
    except TokenError:
        return Checked(None, failure)
