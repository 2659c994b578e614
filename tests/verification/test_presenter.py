"""The card's words: the holder's name escaped, only the last four of the ID, a verdict for every reason, and a
first line that alone tells staff the colour."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import create_i18n
from bot.verification import presenter
from bot.verification.service import Card, Holder, Recorded, TemperatureResult, Verdict

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


def _with_temperature(card: str, result: TemperatureResult) -> str:
    with I18N.context(), I18N.use_locale("en"):
        return presenter.card_with_temperature(card, result)


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0]


def test_a_valid_card_escapes_the_name_and_shows_the_time_in_the_zone() -> None:
    text = _text(Card(1, Verdict.VALID, HOLDER, UNTIL))
    assert _first_line(text) == "<b>✅ PASS · 通行 — GREEN CODE 绿码</b>"
    assert "\n🟩🟩🟩🟩🟩🟩🟩🟩\n" in text
    assert text.count("GREEN CODE") == 1, "the headline names the colour; the block below does not repeat it"
    assert "\nName: Jane &lt;b&gt;Doe&lt;/b&gt; &amp; Co\n" in text
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
        assert text.startswith("<b>❌ NOT VALID · 无效</b> — ")
        assert "PASS" not in text
        assert _prompt() not in text
    if holder is None:
        assert "Jane" not in text and "5678" not in text


@pytest.mark.parametrize(
    ("colour", "headline", "block"),
    [
        ("yellow", "<b>🟡 DO NOT PASS · 不予通行 — YELLOW CODE 黄码</b>", "🟨" * 8),
        ("red", "<b>⛔ DO NOT PASS · 不予通行 — RED CODE 红码</b>", "🟥" * 8),
        ("purple<b>", "<b>⛔ DO NOT PASS · 不予通行 — purple&lt;b&gt;</b>", "⬜" * 8),
    ],
)
def test_a_valid_card_that_is_not_green_says_so_in_its_first_line(colour: str, headline: str, block: str) -> None:
    """Staff read the first line: a check mark above a red code invites letting the person through."""
    text = _text(Card(1, Verdict.VALID, replace(HOLDER, colour=colour), UNTIL))
    first = _first_line(text)
    assert first == headline
    assert "✅" not in first and "GREEN" not in first and " PASS · 通行" not in first
    assert "✅" not in text and "🟩" not in text
    assert f"\n{block}\n" in text
    assert text.endswith(_prompt()), "a valid code of any colour takes a temperature"


def test_a_refused_card_keeps_its_headline_and_names_the_current_colour_below() -> None:
    text = _text(Card(1, Verdict.COLOUR_CHANGED, replace(HOLDER, colour="red"), UNTIL, shown_colour="green"))
    assert text.startswith("<b>❌ NOT VALID · 无效</b> — the colour has changed since this image was made")
    assert "\n🟥🟥🟥🟥🟥🟥🟥🟥\n<b>RED CODE</b>\n" in text


def test_a_fever_that_turns_the_code_yellow_shows_yellow_in_the_edited_headline() -> None:
    card = _text(Card(1, Verdict.VALID, HOLDER, UNTIL))
    fever = TemperatureResult(Recorded.RECORDED, fever=True, holder_id=1, colour="yellow", colour_changed=True)
    edited = _with_temperature(card, fever)
    assert _first_line(edited) == "<b>🟡 DO NOT PASS · 不予通行 — YELLOW CODE 黄码</b>"
    assert "✅" not in edited and "🟩" not in edited and "GREEN" not in edited
    assert "\n🟨🟨🟨🟨🟨🟨🟨🟨\n" in edited
    assert "Name: Jane &lt;b&gt;Doe&lt;/b&gt; &amp; Co" in edited and "ID document: …5678" in edited
    assert _prompt() not in edited
    assert edited.endswith(
        "🤒 Checkpoint temperature recorded: fever (37.3 °C or more).\nThe code is now 🟡 <b>YELLOW CODE</b>."
    )


def test_a_normal_temperature_leaves_the_card_as_it_was_but_for_the_reading() -> None:
    card = _text(Card(1, Verdict.VALID, HOLDER, UNTIL))
    normal = TemperatureResult(Recorded.RECORDED, fever=False, holder_id=1, colour="green", colour_changed=False)
    edited = _with_temperature(card, normal)
    assert edited == card.removesuffix(_prompt()).rstrip() + "\n\n🌡 Checkpoint temperature recorded: normal."


def test_a_fever_on_a_red_code_keeps_it_red() -> None:
    card = _text(Card(1, Verdict.VALID, replace(HOLDER, colour="red"), UNTIL))
    fever = TemperatureResult(Recorded.RECORDED, fever=True, holder_id=1, colour="red", colour_changed=False)
    edited = _with_temperature(card, fever)
    assert _first_line(edited) == "<b>⛔ DO NOT PASS · 不予通行 — RED CODE 红码</b>"
    assert "\n🟥🟥🟥🟥🟥🟥🟥🟥\n" in edited and "The code is now" not in edited


def test_a_fever_corrected_to_normal_gives_the_card_back_its_green_and_says_it_was_corrected() -> None:
    card = _text(Card(1, Verdict.VALID, HOLDER, UNTIL))
    fever = TemperatureResult(Recorded.RECORDED, fever=True, holder_id=1, colour="yellow", colour_changed=True)
    corrected = TemperatureResult(Recorded.CHANGED, fever=False, holder_id=1, colour="green", colour_changed=True)
    edited = _with_temperature(_with_temperature(card, fever), corrected)
    assert _first_line(edited) == "<b>✅ PASS · 通行 — GREEN CODE 绿码</b>"
    assert "🟨" not in edited and "\n🟩🟩🟩🟩🟩🟩🟩🟩\n" in edited
    assert "fever" not in edited, "the mistaken reading is gone from the card"
    assert edited.endswith("🌡 Checkpoint temperature corrected: normal.\nThe code is now 🟢 <b>GREEN CODE</b>.")
    assert edited.count("\n\n") == card.count("\n\n")


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_the_headline_is_bilingual_whatever_the_staff_members_language(locale: str) -> None:
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale(locale):
        red = presenter.card_text(Card(1, Verdict.VALID, replace(HOLDER, colour="red"), UNTIL), locale, ZONE)
        expired = presenter.card_text(Card(1, Verdict.EXPIRED, HOLDER, UNTIL), locale, ZONE)
    assert _first_line(red) == "<b>⛔ DO NOT PASS · 不予通行 — RED CODE 红码</b>"
    assert _first_line(expired).startswith("<b>❌ NOT VALID · 无效</b> — ")
    # The reason after the verdict is in the staff member's own language.
    assert ("expired" in _first_line(expired)) == (locale == "en")


def test_the_neutral_text_is_one_text_for_everything() -> None:
    with I18N.context(), I18N.use_locale("en"):
        assert "checkpoint staff" in presenter.neutral_text().lower()
        assert "/start" in presenter.neutral_text() and "/code" not in presenter.neutral_text()


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_someone_with_a_code_who_opens_another_is_pointed_to_their_own(locale: str) -> None:
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale(locale):
        text = presenter.neutral_text(has_code=True)
    assert "/code" in text and "/start" not in text


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_the_holder_told_of_a_checkpoint_fever_is_asked_to_check_in_unless_they_have(locale: str) -> None:
    i18n = create_i18n()
    fever = TemperatureResult(
        Recorded.RECORDED, fever=True, holder_id=1, colour="yellow", colour_changed=True, checked_in_today=False
    )
    with i18n.context(), i18n.use_locale(locale):
        not_yet = presenter.holder_fever_text(fever, locale)
        done = presenter.holder_fever_text(replace(fever, checked_in_today=True), locale)
    assert "/checkin" in not_yet and "/checkin" not in done
