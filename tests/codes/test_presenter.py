"""The code as shown: a caption short enough to keep the QR on a phone's screen, an image that names the
colour and its validity in both languages, and a cached image re-sent only while it would be drawn the same."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.codes import presenter
from bot.codes.service import CodeSettings, CurrentCode
from bot.db.models import Assessment, Code
from bot.domain.qr_image import font
from bot.domain.tokens import key_from_secret
from bot.i18n import create_i18n

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 3, 5, 0, tzinfo=UTC)
SETTINGS = CodeSettings(bot_username="test_bot", keys=(key_from_secret("codes-presenter-test"),))


def _current(colour: str = "red", **changes: object) -> CurrentCode:
    values: dict[str, object] = {
        "user_id": 1,
        "assessment_id": 1,
        "token": "t" * 46,
        "colour": colour,
        "language": "en",
        "issued_at": NOW,
        "expires_at": NOW + timedelta(hours=24),
        "file_id": None,
        "image_key": None,
        "status": {},
    }
    return CurrentCode(code=Code(**{**values, **changes}), assessment=Assessment(colour=colour))


@pytest.mark.parametrize(
    ("colour", "label"), [("green", "GREEN CODE 绿码"), ("yellow", "YELLOW CODE 黄码"), ("red", "RED CODE 红码")]
)
@pytest.mark.parametrize("locale", ["en", "zh"])
def test_the_image_names_the_colour_and_validity_in_both_languages_whatever_the_holders(
    colour: str, label: str, locale: str
) -> None:
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale(locale):
        card = presenter.code_card(_current(colour, language=locale), "李伟", ZONE, SETTINGS)
    assert card.colour_word == label
    assert card.validity_text == "Valid until / 有效期至 2026-12-04 13:00", "in the deployment's zone"
    # Every character drawn has a glyph in the bundled font (no missing-glyph boxes).
    face = font(24)
    for character in set(card.colour_word + card.validity_text) - {" "}:
        assert face.getmask(character).getbbox() is not None, character


def test_the_image_key_changes_with_whatever_is_drawn_and_not_with_the_time_shown() -> None:
    base = _current()
    key = presenter.image_key(base, ZONE, SETTINGS)
    assert key == presenter.image_key(_current(), ZONE, SETTINGS)
    assert key == presenter.image_key(_current(issued_at=NOW + timedelta(hours=1)), ZONE, SETTINGS)
    others = [
        _current("yellow"),
        _current(token="u" * 46),
        _current(expires_at=NOW + timedelta(hours=25)),
    ]
    assert len({key, *(presenter.image_key(other, ZONE, SETTINGS) for other in others)}) == 4
    assert key != presenter.image_key(base, ZoneInfo("Europe/Berlin"), SETTINGS), "the time drawn is in the zone"
    assert key != presenter.image_key(base, ZONE, replace(SETTINGS, bot_username="other_bot")), "the link"


def test_a_cached_image_is_re_sent_only_under_the_key_it_was_drawn_with(monkeypatch: pytest.MonkeyPatch) -> None:
    key = presenter.image_key(_current(), ZONE, SETTINGS)
    assert presenter.cached_file_id(_current(file_id="F", image_key=key), key) == "F"
    # Cached before the image carried the bilingual label (no key), or under an older layout: drawn again.
    assert presenter.cached_file_id(_current(file_id="F", image_key=None), key) is None
    monkeypatch.setattr(presenter, "IMAGE_LAYOUT", presenter.IMAGE_LAYOUT + 1)
    newer = presenter.image_key(_current(), ZONE, SETTINGS)
    assert presenter.cached_file_id(_current(file_id="F", image_key=key), newer) is None
    assert presenter.cached_file_id(_current(file_id=None, image_key=key), key) is None


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_the_caption_is_the_colour_valid_until_and_the_time_shown(locale: str) -> None:
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale(locale):
        text = presenter.caption(_current(), locale, NOW + timedelta(minutes=7), ZONE)
    lines = text.split("\n")
    assert len(lines) == 3
    assert lines[0] == ("🔴 <b>RED CODE</b>" if locale == "en" else "🔴 <b>红码</b>")
    assert lines[1].endswith("13:00") and lines[2].endswith("13:07")
