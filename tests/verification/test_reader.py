"""Finding a code's token in text and photos, and the property that matters: nothing the bot did not sign verifies."""

from __future__ import annotations

import base64
import io
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from bot.domain.qr_image import CodeCard, render_code_png
from bot.domain.tokens import TOKEN_LENGTH, TokenFailure, deep_link, issue_token, key_from_secret
from bot.verification.reader import check, decode_qr_texts, start_payload_token, token_in_image, token_in_text

KEY = key_from_secret("reader-test-secret")
OLD_KEY = key_from_secret("reader-test-old-secret")
KEYS = [KEY, OLD_KEY]
ISSUED = 1_795_000_000
EXPIRES = ISSUED + 86_400
NOW = ISSUED + 600
HOLDER = 0x2A2A_1234_5678_9ABC
TOKEN = issue_token(HOLDER, ISSUED, EXPIRES, KEY)
ALPHABET = string.ascii_letters + string.digits + "-_"


def _png(link: str, colour: str = "green") -> bytes:
    card = CodeCard(link=link, colour=colour, holder_name="Jane Doe", colour_word="GREEN CODE", validity_text="Issued")
    return render_code_png(card)


def _jpeg(png: bytes, width: int, quality: int) -> bytes:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.resize((width, round(image.height * width / image.width)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


# --- Text -------------------------------------------------------------------------------------


def test_a_pasted_link_anywhere_in_the_text_gives_its_token() -> None:
    link = deep_link("health_code_test_bot", TOKEN)
    assert token_in_text(link) == TOKEN
    assert token_in_text(f"Please check this: {link} thanks") == TOKEN
    assert token_in_text(link.removeprefix("https://")) == TOKEN
    assert token_in_text(link.replace("t.me", "telegram.me")) == TOKEN


def test_a_bare_token_must_be_the_whole_text() -> None:
    assert token_in_text(f"  {TOKEN}\n") == TOKEN
    assert token_in_text(f"code {TOKEN}") is None
    assert token_in_text(TOKEN + "x") is None
    assert token_in_text(TOKEN[:-1]) is None


def test_a_link_with_a_longer_payload_is_no_code() -> None:
    assert token_in_text(f"https://t.me/some_bot?start={TOKEN}abc") is None
    assert token_in_text("https://t.me/some_bot?start=hello") is None


def test_ordinary_answers_are_no_code() -> None:
    for text in ("Jane Doe", "199 Taikang East Road, building 3", "36.6", "E12345678", "", None, "x" * 5000):
        assert token_in_text(text) is None


def test_a_start_payload_is_the_token_itself_or_the_token_in_a_link() -> None:
    assert start_payload_token(TOKEN) == TOKEN
    assert start_payload_token(f" {deep_link('b_bot', TOKEN)} ") == TOKEN
    assert start_payload_token("not-a-token") == "not-a-token"  # refused later, for its signature
    assert start_payload_token(None) == ""


# --- Photos -------------------------------------------------------------------------------------


def test_the_code_image_decodes_to_its_token() -> None:
    assert token_in_image(_png(deep_link("health_code_test_bot", TOKEN))) == TOKEN


@pytest.mark.parametrize(("width", "quality"), [(480, 85), (300, 60), (1280, 90)])
def test_a_scaled_and_compressed_photo_of_the_code_still_decodes(width: int, quality: int) -> None:
    png = _png(deep_link("health_code_test_bot", TOKEN), colour="yellow")
    assert token_in_image(_jpeg(png, width, quality)) == TOKEN


def test_a_photo_of_a_phone_screen_on_a_larger_picture_decodes() -> None:
    code = Image.open(io.BytesIO(_png(deep_link("health_code_test_bot", TOKEN), colour="red"))).convert("RGB")
    scene = Image.new("RGB", (2400, 1800), (90, 80, 70))
    scene.paste(code.rotate(8, expand=True, fillcolor=(20, 20, 20)), (900, 300))
    out = io.BytesIO()
    scene.save(out, "JPEG", quality=80)
    assert token_in_image(out.getvalue()) == TOKEN


def test_a_photo_without_a_code_or_with_another_qr_gives_nothing() -> None:
    image = Image.new("RGB", (640, 480), "white")
    ImageDraw.Draw(image).text((20, 20), "no code here", fill="black")
    out = io.BytesIO()
    image.save(out, "PNG")
    assert token_in_image(out.getvalue()) is None
    other = _png("https://example.org/menu")
    assert decode_qr_texts(other) == ["https://example.org/menu"]
    assert token_in_image(other) is None


def test_bytes_that_are_no_image_give_nothing() -> None:
    assert token_in_image(b"") is None
    assert token_in_image(b"\x89PNG\r\n\x1a\n broken") is None


def test_an_image_too_large_to_decode_safely_is_refused() -> None:
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, "PNG")
    assert decode_qr_texts(out.getvalue()) == []


# --- Checking -------------------------------------------------------------------------------------


def test_a_valid_token_checks_with_its_claims() -> None:
    checked = check(TOKEN, KEYS, NOW)
    assert checked.valid and checked.signed
    assert checked.claims is not None and checked.claims.holder == HOLDER


def test_a_token_of_a_listed_older_key_still_checks() -> None:
    assert check(issue_token(HOLDER, ISSUED, EXPIRES, OLD_KEY), KEYS, NOW).valid


def test_an_expired_token_is_refused_but_its_signed_holder_is_known() -> None:
    checked = check(TOKEN, KEYS, EXPIRES)
    assert not checked.valid and checked.failure is TokenFailure.EXPIRED
    assert checked.claims is not None and checked.claims.holder == HOLDER


def test_a_token_not_valid_yet_is_refused() -> None:
    checked = check(TOKEN, KEYS, ISSUED - 1)
    assert checked.failure is TokenFailure.NOT_YET_VALID and checked.signed


def test_a_rotated_out_key_is_refused() -> None:
    token = issue_token(HOLDER, ISSUED, EXPIRES, OLD_KEY)
    checked = check(token, [KEY], NOW)
    assert not checked.valid and not checked.signed


def _refused(token: str, now: int = NOW) -> bool:
    checked = check(token, KEYS, now)
    return not checked.valid and checked.claims is None


@given(st.text(alphabet=ALPHABET, min_size=TOKEN_LENGTH, max_size=TOKEN_LENGTH))
def test_no_random_token_shaped_string_verifies(text: str) -> None:
    assert _refused(text)


@given(st.binary(min_size=34, max_size=34), st.integers(min_value=0, max_value=2**32 - 1))
def test_no_random_bytes_verify_at_any_time(raw: bytes, now: int) -> None:
    token = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    assert _refused(token, now)


@given(st.binary(min_size=32, max_size=32))
def test_no_random_body_and_mac_under_a_listed_key_id_verifies(rest: bytes) -> None:
    # Version and a key id the bot knows: only the signature stands in the way.
    token = base64.urlsafe_b64encode(bytes([1, KEY.key_id]) + rest).rstrip(b"=").decode()
    assert _refused(token)


@given(st.integers(min_value=0, max_value=TOKEN_LENGTH - 1), st.sampled_from(ALPHABET))
def test_no_single_character_change_of_a_real_token_verifies(position: int, character: str) -> None:
    changed = TOKEN[:position] + character + TOKEN[position + 1 :]
    if changed != TOKEN:
        assert _refused(changed)
        # Neither when it expired, nor pasted in a link.
        assert _refused(changed, EXPIRES + 1)
        assert token_in_text(deep_link("b_bot", changed)) == changed


@given(st.integers(min_value=0, max_value=TOKEN_LENGTH - 1), st.integers(min_value=1, max_value=5))
def test_no_deletion_or_insertion_in_a_real_token_verifies(position: int, count: int) -> None:
    assert _refused(TOKEN[:position] + TOKEN[position + count :])
    assert _refused(TOKEN[:position] + "A" * count + TOKEN[position:])


@settings(max_examples=50)
@given(
    st.text(min_size=1, max_size=40),
    st.integers(min_value=0, max_value=2**63 - 1),
    st.integers(min_value=0, max_value=2**31),
    st.integers(min_value=1, max_value=2**31 - 1),
)
def test_no_token_signed_with_another_secret_verifies(secret: str, holder: int, issued: int, length: int) -> None:
    other = key_from_secret("other:" + secret)
    token = issue_token(holder, issued, issued + length, other)
    for now in (issued, issued + length, NOW):
        assert _refused(token, now)
