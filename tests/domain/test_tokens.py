"""Signed, expiring code tokens: what a forged, altered, foreign or stale token gets."""

from __future__ import annotations

import base64
import hashlib
import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.tokens import (
    TOKEN_LENGTH,
    CodeClaims,
    SigningKey,
    TokenError,
    TokenFailure,
    deep_link,
    issue_token,
    key_from_secret,
    verify_token,
)

KEY = key_from_secret("test-secret-one")
OLD_KEY = key_from_secret("test-secret-old")
ISSUED = 1_795_000_000
EXPIRES = ISSUED + 24 * 3600
HOLDER = 0x1234_5678_9ABC_DEF0
ALPHABET = string.ascii_letters + string.digits + "-_"
REJECTED = {TokenFailure.MALFORMED, TokenFailure.UNKNOWN_KEY, TokenFailure.BAD_SIGNATURE}


def _token(key: SigningKey = KEY, holder: int = HOLDER, issued_at: int = ISSUED, expires_at: int = EXPIRES) -> str:
    return issue_token(holder, issued_at, expires_at, key)


def _failure(token: object, keys: list[SigningKey] | None = None, now: int = ISSUED + 60) -> TokenFailure:
    with pytest.raises(TokenError) as caught:
        verify_token(token, [KEY] if keys is None else keys, now)  # type: ignore[arg-type]
    return caught.value.reason


def _raw(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@pytest.mark.parametrize(
    ("holder", "issued_at", "expires_at"),
    [(HOLDER, ISSUED, EXPIRES), (0, 0, 1), (2**64 - 1, 2**32 - 2, 2**32 - 1), (2**63 - 1, ISSUED, ISSUED + 1)],
)
def test_a_token_verifies_to_the_claims_it_was_issued_with(holder: int, issued_at: int, expires_at: int) -> None:
    token = issue_token(holder, issued_at, expires_at, KEY)
    assert verify_token(token, [KEY], now=issued_at) == CodeClaims(
        holder=holder, issued_at=issued_at, expires_at=expires_at, key_id=KEY.key_id
    )


@pytest.mark.parametrize("holder", [0, 1, 2**63, 2**64 - 1])
def test_the_token_fits_a_telegram_start_payload(holder: int) -> None:
    token = issue_token(holder, 2**32 - 2, 2**32 - 1, KEY)
    assert len(token) == TOKEN_LENGTH <= 64
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert "=" not in token


def test_the_token_holds_no_personal_data_only_the_holder_number() -> None:
    raw = _raw(_token())
    assert HOLDER.to_bytes(8, "big") in raw
    assert len(raw) == 34


@pytest.mark.parametrize("length", range(TOKEN_LENGTH))
def test_every_truncation_fails(length: int) -> None:
    assert _failure(_token()[:length]) is TokenFailure.MALFORMED


def test_every_extension_fails() -> None:
    token = _token()
    for extra in ("A", "=", "==", " ", "\n", token):
        assert _failure(token + extra) is TokenFailure.MALFORMED


def test_every_single_character_change_fails() -> None:
    token = _token()
    for position, original in enumerate(token):
        for replacement in ALPHABET:
            if replacement == original:
                continue
            changed = token[:position] + replacement + token[position + 1 :]
            assert _failure(changed) in REJECTED, (position, replacement)


def test_a_changed_field_with_the_old_signature_is_a_bad_signature() -> None:
    raw = bytearray(_raw(_token()))
    for index in range(2, 18):  # holder, issued_at, expires_at
        forged = bytearray(raw)
        forged[index] ^= 0x01
        assert _failure(_encode(bytes(forged))) is TokenFailure.BAD_SIGNATURE


def test_the_signature_is_checked_before_the_times() -> None:
    # Long expired and altered: the answer must be about the signature, not about the date inside.
    raw = bytearray(_raw(_token(issued_at=100, expires_at=200)))
    raw[-1] ^= 0x01
    assert _failure(_encode(bytes(raw)), now=ISSUED) is TokenFailure.BAD_SIGNATURE


def test_an_unknown_format_version_is_malformed() -> None:
    raw = bytearray(_raw(_token()))
    raw[0] = 2
    assert _failure(_encode(bytes(raw))) is TokenFailure.MALFORMED


def test_a_token_from_another_secret_fails() -> None:
    other = key_from_secret("somebody-else's-secret")
    assert other.key_id != KEY.key_id
    assert _failure(_token(key=other)) is TokenFailure.UNKNOWN_KEY


def test_a_token_from_another_secret_with_the_same_key_id_is_a_bad_signature() -> None:
    impostor = SigningKey(key_id=KEY.key_id, secret=b"not the real secret")
    assert _failure(_token(key=impostor)) is TokenFailure.BAD_SIGNATURE


def test_no_keys_means_no_valid_token() -> None:
    assert _failure(_token(), keys=[]) is TokenFailure.UNKNOWN_KEY


def test_after_rotation_old_tokens_verify_while_the_old_key_is_listed() -> None:
    assert OLD_KEY.key_id != KEY.key_id
    old_token = _token(key=OLD_KEY)
    new_token = _token(key=KEY)
    keys = [KEY, OLD_KEY]
    assert verify_token(old_token, keys, ISSUED).key_id == OLD_KEY.key_id
    assert verify_token(new_token, keys, ISSUED).key_id == KEY.key_id
    assert _failure(old_token, keys=[KEY]) is TokenFailure.UNKNOWN_KEY


def test_two_live_keys_sharing_an_id_are_both_tried() -> None:
    first, second = SigningKey(key_id=7, secret=b"first secret"), SigningKey(key_id=7, secret=b"second secret")
    assert verify_token(_token(key=second), [first, second], ISSUED).holder == HOLDER
    assert verify_token(_token(key=first), [first, second], ISSUED).holder == HOLDER


def test_validity_runs_from_issue_inclusive_to_expiry_exclusive() -> None:
    token = _token()
    assert verify_token(token, [KEY], now=ISSUED).holder == HOLDER
    assert verify_token(token, [KEY], now=EXPIRES - 1).holder == HOLDER
    assert _failure(token, now=EXPIRES) is TokenFailure.EXPIRED
    assert _failure(token, now=EXPIRES + 10**6) is TokenFailure.EXPIRED
    assert _failure(token, now=ISSUED - 1) is TokenFailure.NOT_YET_VALID


def test_an_expired_token_from_an_unknown_key_is_reported_as_unknown_key() -> None:
    assert _failure(_token(key=OLD_KEY), now=EXPIRES + 1) is TokenFailure.UNKNOWN_KEY


@pytest.mark.parametrize(
    "token",
    [
        "",
        "A" * 10**6,
        "é" * TOKEN_LENGTH,
        "Ａ" * TOKEN_LENGTH,  # full-width letters, which str.isalnum accepts
        "٣" * TOKEN_LENGTH,  # Arabic-Indic digits, which a Unicode \d would accept
        "\x00" * TOKEN_LENGTH,
        " " * TOKEN_LENGTH,
        "+" * TOKEN_LENGTH,
        "/" * TOKEN_LENGTH,
        "=" * TOKEN_LENGTH,
        "\ud800" * TOKEN_LENGTH,
    ],
)
def test_garbage_is_malformed(token: str) -> None:
    assert _failure(token) is TokenFailure.MALFORMED


def test_other_encodings_of_a_valid_token_are_malformed() -> None:
    token = _token()
    raw = _raw(token)
    padded = base64.urlsafe_b64encode(raw).decode("ascii")
    standard = base64.b64encode(raw).decode("ascii").rstrip("=")
    for variant in (padded, " " + token, token + " ", token.replace("A", "A\n", 1), standard):
        if variant != token:
            assert _failure(variant) is TokenFailure.MALFORMED


def test_only_the_canonical_last_character_is_accepted() -> None:
    # 46 characters carry 276 bits for 272: the spare low bits of the last one must be zero.
    token = _token()
    for replacement in ALPHABET:
        if replacement != token[-1]:
            assert _failure(token[:-1] + replacement) in REJECTED


@pytest.mark.parametrize("value", [None, b"bytes", 42, ["list"]])
def test_non_strings_are_malformed_not_a_crash(value: object) -> None:
    assert _failure(value) is TokenFailure.MALFORMED


@given(st.text())
def test_no_random_text_verifies(text: str) -> None:
    with pytest.raises(TokenError):
        verify_token(text, [KEY, OLD_KEY], ISSUED)


@given(st.text(alphabet=ALPHABET, min_size=TOKEN_LENGTH, max_size=TOKEN_LENGTH))
def test_no_random_base64url_string_of_the_right_length_verifies(text: str) -> None:
    with pytest.raises(TokenError) as caught:
        verify_token(text, [KEY, OLD_KEY], ISSUED)
    assert caught.value.reason in REJECTED


@given(st.binary(min_size=32, max_size=32))
def test_no_random_body_and_mac_under_a_known_key_verifies(rest: bytes) -> None:
    forged = _encode(bytes([1, KEY.key_id]) + rest)
    with pytest.raises(TokenError) as caught:
        verify_token(forged, [KEY], ISSUED)
    assert caught.value.reason is TokenFailure.BAD_SIGNATURE


@pytest.mark.parametrize(
    ("holder", "issued_at", "expires_at"),
    [
        (-1, ISSUED, EXPIRES),
        (2**64, ISSUED, EXPIRES),
        (HOLDER, -1, EXPIRES),
        (HOLDER, ISSUED, 2**32),
        (HOLDER, ISSUED, ISSUED),
        (HOLDER, EXPIRES, ISSUED),
    ],
)
def test_claims_that_do_not_fit_are_refused_at_issue(holder: int, issued_at: int, expires_at: int) -> None:
    with pytest.raises(ValueError):
        issue_token(holder, issued_at, expires_at, KEY)


def test_the_key_id_comes_from_the_secret() -> None:
    assert key_from_secret("s3cret") == key_from_secret(b"s3cret")
    assert key_from_secret("s3cret").key_id == hashlib.sha256(b"s3cret").digest()[0]
    assert key_from_secret("密钥").secret == "密钥".encode()


def test_a_key_needs_a_secret_and_a_one_byte_id() -> None:
    with pytest.raises(ValueError):
        key_from_secret("")
    with pytest.raises(ValueError):
        SigningKey(key_id=256, secret=b"x")
    with pytest.raises(ValueError):
        SigningKey(key_id=-1, secret=b"x")


def test_the_secret_stays_out_of_repr() -> None:
    assert "test-secret" not in repr(KEY)
    assert "test-secret" not in repr([KEY])


def test_token_error_carries_its_reason() -> None:
    error = TokenError(TokenFailure.EXPIRED)
    assert error.reason == "expired"
    assert {failure.value for failure in TokenFailure} == {
        "malformed",
        "unknown_key",
        "bad_signature",
        "expired",
        "not_yet_valid",
    }


def test_deep_link() -> None:
    token = _token()
    assert deep_link("health_code_bot", token) == f"https://t.me/health_code_bot?start={token}"
    assert deep_link("@health_code_bot", token) == f"https://t.me/health_code_bot?start={token}"


@pytest.mark.parametrize(
    ("username", "payload"),
    [
        ("bad name", "abc"),
        ("", "abc"),
        ("a" * 33, "abc"),
        ("ok_bot", ""),
        ("ok_bot", "a" * 65),
        ("ok_bot", "a=b"),
        ("ok_bot", "a&x=1"),
        ("ok/bot", "abc"),
    ],
)
def test_deep_link_refuses_what_telegram_would_not_accept(username: str, payload: str) -> None:
    with pytest.raises(ValueError):
        deep_link(username, payload)
