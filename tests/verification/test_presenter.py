"""The card's words: the holder's name escaped, only the last four of the ID, and a verdict for every reason."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import create_i18n
from bot.verification import presenter
from bot.verification.service import Card, Holder, Verdict

ZONE = ZoneInfo("Asia/Shanghai")
I18N = create_i18n()
HOLDER = Holder(user_id=1, name="Jane <b>Doe</b> & Co", id_last4="5678", colour="green", last_checkin=date(2026, 3, 2))
UNTIL = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)


def _text(card: Card) -> str:
    with I18N.context(), I18N.use_locale("en"):
        return presenter.card_text(card, "en", ZONE)


def _prompt() -> str:
    with I18N.context(), I18N.use_locale("en"):
        return presenter.temperature_prompt()


def test_a_valid_card_escapes_the_name_and_shows_the_time_in_the_zone() -> None:
    text = _text(Card(1, Verdict.VALID, HOLDER, UNTIL))
    assert text.startswith("✅ <b>VALID</b>")
    assert "Name: <b>Jane &lt;b&gt;Doe&lt;/b&gt; &amp; Co</b>" in text
    assert "ID document: …5678" in text
    assert "Valid until: Mar 3, 2026 09:00" in text
    assert "Last check-in: March 2, 2026" in text
    assert text.endswith(_prompt())


@pytest.mark.parametrize("verdict", list(Verdict))
def test_every_verdict_has_words(verdict: Verdict) -> None:
    holder = HOLDER if verdict in (Verdict.VALID, Verdict.EXPIRED, Verdict.COLOUR_CHANGED) else None
    text = _text(Card(1, verdict, holder, UNTIL if holder else None, shown_colour="red"))
    if verdict is Verdict.VALID:
        assert "NOT VALID" not in text
    else:
        assert text.startswith("❌ <b>NOT VALID</b>: ")
        assert _prompt() not in text
    if holder is None:
        assert "Jane" not in text and "5678" not in text


def test_the_neutral_text_is_one_text_for_everything() -> None:
    with I18N.context(), I18N.use_locale("en"):
        assert "checkpoint staff" in presenter.neutral_text().lower()
