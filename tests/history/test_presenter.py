"""/history without Telegram or a database: the entries, their order, the pages, the words and the buttons."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from aiogram.utils.i18n import I18n

from bot.db.repositories.history import DeclarationDigest
from bot.history import presenter
from bot.history.entries import (
    KINDS,
    PAGE_SIZE,
    AppealOutcomeEntry,
    CheckInEntry,
    ColourEntry,
    DeclarationEntry,
    Entry,
    History,
    Turn,
    colour_turn,
    newest_first,
    stamp_of,
)
from bot.history.keyboards import HistoryCallback, page_keyboard
from bot.history.service import build_entries
from bot.i18n import create_i18n
from bot.status.presenter import REASONS

ZONE = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 1, 1, 30, tzinfo=UTC)  # 09:30 on 1 March in Shanghai
TAG = re.compile(r"<[^>]+>")


@pytest.fixture(autouse=True)
def english() -> I18n:
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale("en"):
        yield i18n


def checkin(number: int, *, temperature: float = 36.6, symptoms: tuple[str, ...] = ()) -> CheckInEntry:
    """The check-in of day `number` after T0, reported at the same time of day."""
    when = T0 + timedelta(days=number)
    return CheckInEntry(
        when=when, id=number + 1, day=when.astimezone(ZONE).date(), temperature_c=temperature, symptoms=symptoms
    )


def colour(when: datetime, colour: str, reasons: tuple[str, ...] = (), turn: Turn = Turn.SET, **more) -> ColourEntry:
    return ColourEntry(when=when, id=more.pop("id", 1), colour=colour, reasons=reasons, turn=turn, **more)


def plain(html: str) -> str:
    return TAG.sub("", html)


# --- order, stamp, pages ----------------------------------------------------------------------


def test_newest_first_and_a_colour_comes_after_the_declaration_that_set_it() -> None:
    declaration = DeclarationEntry(when=T0, id=1, temperature_c=36.6, symptoms=())
    green = colour(T0, "green")
    later = checkin(1)
    assert newest_first([declaration, later, green]) == (later, green, declaration)
    # Two rows of one kind at the same moment: the later row is the newer.
    first, second = colour(T0, "green", id=1), colour(T0, "yellow", id=2)
    assert newest_first([first, second]) == (second, first)


def test_pages_of_eight_newest_first_clamped_to_the_pages_there_are() -> None:
    entries = [checkin(number) for number in range(20)]
    history = History.of(entries)
    assert history.page_count == 3
    first = history.page(0)
    assert [entry.id for entry in first.entries] == list(range(20, 12, -1))
    assert (first.number, first.count, first.has_newer, first.has_older) == (0, 3, False, True)
    last = history.page(2)
    assert [entry.id for entry in last.entries] == [4, 3, 2, 1]
    assert (last.has_newer, last.has_older) == (True, False)
    assert history.page(-5) == first
    assert history.page(10**12) == last
    assert len(history.page(1).entries) == PAGE_SIZE


def test_an_empty_history_has_one_empty_page() -> None:
    page = History.of([]).page(3)
    assert (page.entries, page.number, page.count) == ((), 0, 1)


def test_the_stamp_changes_with_a_new_or_replaced_entry_and_only_then() -> None:
    entries = [checkin(number) for number in range(3)]
    assert History.of(entries).stamp == History.of(list(reversed(entries))).stamp
    assert stamp_of(newest_first(entries)) != stamp_of(newest_first([*entries, checkin(3)]))
    replaced = CheckInEntry(
        when=entries[2].when + timedelta(hours=2), id=3, day=entries[2].day, temperature_c=37.5, symptoms=()
    )
    assert History.of(entries).stamp != History.of([*entries[:2], replaced]).stamp


# --- how a colour change came about ------------------------------------------------------------


def test_colour_turns() -> None:
    day = date(2026, 3, 1)
    yellow = ("yellow", ["symptom_cough"], day)
    # A declaration or a check-in sets the colour; its reasons say why.
    assert colour_turn("declaration", "yellow", ["symptom_cough"], day, None) is Turn.SET
    assert colour_turn("checkin", "green", [], None, yellow) is Turn.SET
    # The passing days: better colour or fewer reasons; and the days count again, same colour and reasons.
    assert colour_turn("daily", "green", [], None, yellow) is Turn.EASED
    assert colour_turn("daily", "yellow", ["symptom_cough"], day + timedelta(days=3), yellow) is Turn.RESTARTED
    assert colour_turn("daily", "yellow", [], day, ("yellow", ["symptom_cough", "symptom_fever"], day)) is Turn.EASED
    assert colour_turn("daily", "yellow", ["place_high_risk"], day, ("red", ["place_hardest_hit"], day)) is Turn.EASED
    # Worse with the days is not "after your normal check-ins"; and with nothing kept before, the days passed.
    assert colour_turn("daily", "red", ["place_hardest_hit"], day, yellow) is Turn.SET
    assert colour_turn("daily", "green", [], None, None) is Turn.EASED
    # An administrator's override is a decision, whatever the colour: its reasons are not the rules'.
    assert colour_turn("override", "green", [], day, ("red", ["own_status_confirmed"], day)) is Turn.DECIDED
    text = presenter.render_entry(colour(datetime(2026, 3, 1, 1, tzinfo=UTC), "green", turn=Turn.DECIDED), "en", ZONE)
    assert "health authority" in text


# --- the words --------------------------------------------------------------------------------


def test_a_declaration_shows_a_short_summary_and_its_time_in_the_bot_zone() -> None:
    entry = DeclarationEntry(when=T0, id=1, temperature_c=36.6, symptoms=())
    assert (
        presenter.render_entry(entry, "en", ZONE)
        == "📝 Declaration submitted: 36.6 °C, no symptoms\n<i>Mar 1, 2026 09:30</i>"
    )
    unusable = DeclarationEntry(when=T0, id=1, temperature_c=None, symptoms=None)
    assert presenter.render_entry(unusable, "en", ZONE).startswith("📝 Declaration submitted\n")


def test_a_checkin_shows_its_day_temperature_and_symptoms_with_the_form_labels() -> None:
    assert presenter.render_entry(checkin(0), "en", ZONE) == "✅ Check-in for March 1, 2026: 36.6 °C, no symptoms"
    sick = checkin(1, temperature=37.8, symptoms=("cough", "fever"))
    assert presenter.render_entry(sick, "en", ZONE) == "✅ Check-in for March 2, 2026: 37.8 °C, Fever; Cough"


def test_a_colour_change_says_why() -> None:
    yellow = colour(T0, "yellow", ("symptom_cough",))
    assert presenter.render_entry(yellow, "en", ZONE) == (
        "🟡 Colour: <b>YELLOW CODE</b> — because you reported a cough\n<i>Mar 1, 2026 09:30</i>"
    )
    first_green = presenter.render_entry(colour(T0, "green"), "en", ZONE)
    assert first_green.startswith("🟢 Colour: <b>GREEN CODE</b> — nothing puts you at risk\n")
    eased = presenter.render_entry(colour(T0, "green", turn=Turn.EASED), "en", ZONE)
    assert eased.startswith("🟢 Colour: <b>GREEN CODE</b> — after your days of normal check-ins\n")
    still = presenter.render_entry(colour(T0, "yellow", ("place_high_risk",), Turn.EASED), "en", ZONE)
    assert "after your days of normal check-ins; still because you stayed in another high-risk area" in still
    restarted = colour(T0, "red", ("place_hardest_hit",), Turn.RESTARTED, starts_on=date(2026, 3, 4))
    assert presenter.render_entry(restarted, "en", ZONE).startswith(
        "🔴 Colour: <b>RED CODE</b> — the count of days to green started again on March 4, 2026; "
        "because you stayed in a hardest-hit area\n"
    )


def test_a_colour_change_names_at_most_five_reasons() -> None:
    reasons = ("symptom_fever", "symptom_cough", "symptom_shortness_of_breath", "symptom_other_respiratory")
    reasons += ("temperature_fever", "contact_suspected_case", "place_high_risk")
    text = presenter.render_entry(colour(T0, "yellow", reasons), "en", ZONE)
    assert "you reported respiratory symptoms; your temperature is 37.3 °C or more and 2 more\n" in text
    assert "high-risk" not in text


def test_stored_codes_unknown_to_the_labels_are_shown_escaped() -> None:
    odd = presenter.render_entry(colour(T0, "yellow", ("<b>new_rule</b>",)), "en", ZONE)
    assert "&lt;b&gt;new_rule&lt;/b&gt;" in odd and "<b>new_rule" not in odd
    strange = presenter.render_entry(checkin(0, symptoms=("<i>sneezing</i>",)), "en", ZONE)
    assert "&lt;i&gt;sneezing&lt;/i&gt;" in strange


def test_a_page_has_a_title_a_page_line_when_there_are_several_and_its_entries() -> None:
    history = History.of([checkin(number) for number in range(10)])
    text = presenter.page_text(history.page(1), "en", ZONE)
    lines = text.split("\n")
    assert lines[:2] == ["<b>Your history</b>, newest first", "Page 2 of 2"]
    assert lines[3] == "✅ Check-in for March 2, 2026: 36.6 °C, no symptoms"
    single = presenter.page_text(History.of([checkin(0)]).page(0), "en", ZONE)
    assert "Page" not in single


def test_every_kind_of_entry_has_a_renderer() -> None:
    for kind in KINDS:
        assert presenter.render_entry.dispatch(kind) is not presenter.render_entry.dispatch(Entry), kind.__name__


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_the_longest_possible_page_fits_in_one_telegram_message(locale: str, english: I18n) -> None:
    every_reason = tuple(REASONS)
    entries = [
        colour(T0 + timedelta(days=number), "red", every_reason, Turn.EASED, id=number) for number in range(PAGE_SIZE)
    ]
    with english.use_locale(locale):
        text = presenter.page_text(History.of(entries * 3).page(1), locale, ZONE)
    assert len(plain(text)) <= 4096


# --- the buttons ------------------------------------------------------------------------------


def test_buttons_newer_and_older_carry_the_page_and_stamp_and_nothing_about_the_user() -> None:
    history = History.of([checkin(number) for number in range(20)])
    assert page_keyboard(History.of([checkin(0)]).page(0)) is None

    def buttons(number: int) -> list[tuple[str, HistoryCallback]]:
        markup = page_keyboard(history.page(number))
        assert markup is not None
        return [
            (button.text, HistoryCallback.unpack(button.callback_data))
            for row in markup.inline_keyboard
            for button in row
        ]

    stamp = history.stamp
    assert buttons(0) == [("Older ▶", HistoryCallback(page=1, stamp=stamp))]
    assert buttons(1) == [
        ("◀ Newer", HistoryCallback(page=0, stamp=stamp)),
        ("Older ▶", HistoryCallback(page=2, stamp=stamp)),
    ]
    assert buttons(2) == [("◀ Newer", HistoryCallback(page=1, stamp=stamp))]
    packed = HistoryCallback(page=10**6, stamp=2**32 - 1).pack()
    assert len(packed.encode()) <= 64


# --- from rows to entries ---------------------------------------------------------------------


def _checkin_row(id: int, day: date, declaration_id: int | None = None, symptoms: list[str] | None = None):
    return SimpleNamespace(
        id=id,
        day=day,
        temperature_c=36.6,
        symptoms=symptoms or [],
        declaration_id=declaration_id,
        reported_at=datetime.combine(day, datetime.min.time(), UTC),
    )


def _assessment_row(id: int, colour: str, reasons: list[str], cause: str, starts_on: date | None):
    return SimpleNamespace(
        id=id, colour=colour, reasons=reasons, cause=cause, starts_on=starts_on, assessed_at=T0 + timedelta(days=id)
    )


def test_a_report_that_came_with_a_declaration_is_part_of_its_entry() -> None:
    declarations = [DeclarationDigest(id=7, declared_at=T0, temperature_c=36.6, symptoms=[])]
    checkins = [
        _checkin_row(1, date(2026, 3, 1), declaration_id=7),
        _checkin_row(2, date(2026, 3, 2)),
        _checkin_row(3, date(2026, 3, 3), declaration_id=99),  # its declaration is gone: shown on its own
    ]
    entries = build_entries(declarations, checkins, [])
    assert [(type(entry).__name__, entry.id) for entry in entries] == [
        ("DeclarationEntry", 7),
        ("CheckInEntry", 2),
        ("CheckInEntry", 3),
    ]


def test_each_colour_row_is_read_against_the_one_before_it() -> None:
    rows = [
        _assessment_row(1, "yellow", ["symptom_cough"], "checkin", date(2026, 3, 1)),
        _assessment_row(2, "yellow", ["symptom_cough"], "daily", date(2026, 3, 3)),
        _assessment_row(3, "green", [], "daily", None),
    ]
    turns = [entry.turn for entry in build_entries([], [], rows) if isinstance(entry, ColourEntry)]
    assert turns == [Turn.SET, Turn.RESTARTED, Turn.EASED]


def test_unusable_stored_answers_leave_the_summary_out() -> None:
    digests = [
        DeclarationDigest(id=1, declared_at=T0, temperature_c=True, symptoms=[]),
        DeclarationDigest(id=2, declared_at=T0, temperature_c=36.6, symptoms="cough"),
        DeclarationDigest(id=3, declared_at=T0, temperature_c=None, symptoms=None),
    ]
    for entry in build_entries(digests, [], []):
        assert isinstance(entry, DeclarationEntry)
        assert entry.temperature_c is None or entry.symptoms is None
        assert presenter.render_entry(entry, "en", ZONE).startswith("📝 Declaration submitted\n")


def test_a_missed_day_says_the_count_started_again() -> None:
    from bot.history.service import missed_day_entry

    entry = missed_day_entry(date(2026, 12, 9), ZONE)
    text = presenter.render_entry(entry, "en", ZONE)
    assert "You did not check in on Dec 9, so the count of days started again." in text


def test_a_decision_names_what_was_decided_in_the_readers_language() -> None:
    when = datetime(2026, 3, 1, 1, tzinfo=UTC)
    decided = colour(when, "red", turn=Turn.DECIDED, decision="close_contact")
    assert "by a health authority's decision: you are a close contact of a confirmed case" in plain(
        presenter.render_entry(decided, "en", ZONE)
    )
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale("zh"):
        assert "依卫生部门决定：您是确诊病例的密切接触者" in plain(presenter.render_entry(decided, "zh", ZONE))
    # A change recorded before categories were kept, or the end of a decision: the words of before.
    ended = presenter.render_entry(colour(when, "green", turn=Turn.DECIDED), "en", ZONE)
    assert "by a health authority's decision" in plain(ended) and "decision:" not in plain(ended)
    # A code from a newer version, unknown here, is shown as stored and escaped.
    unknown = colour(when, "red", turn=Turn.DECIDED, decision="<b>new</b>")
    assert "&lt;b&gt;new&lt;/b&gt;" in presenter.render_entry(unknown, "en", ZONE)


def test_an_upheld_appeal_names_why_it_stands_in_the_readers_language_and_never_the_reviewer() -> None:
    when = datetime(2026, 3, 1, 1, tzinfo=UTC)
    upheld = AppealOutcomeEntry(
        when=when, id=1, outcome="upheld", reason="symptom_cough", category="rules", text="wait <7> days"
    )
    english = plain(presenter.render_entry(upheld, "en", ZONE))
    assert "Why it stands: the rules require this colour for this reason until its days have passed" in english
    assert "The reviewer adds: wait &lt;7&gt; days" in english
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale("zh"):
        chinese = plain(presenter.render_entry(upheld, "zh", ZONE))
    assert "规则" in chinese and "the rules require" not in chinese
    # A category from a newer version, unknown here, is shown as stored and escaped.
    unknown = AppealOutcomeEntry(when=when, id=1, outcome="upheld", reason="symptom_cough", category="<b>new</b>")
    assert "&lt;b&gt;new&lt;/b&gt;" in presenter.render_entry(unknown, "en", ZONE)
    # A withdrawal has no category, and says none.
    withdrawn = AppealOutcomeEntry(when=when, id=1, outcome="withdrawn", reason="symptom_cough")
    assert "Why it stands" not in plain(presenter.render_entry(withdrawn, "en", ZONE))
