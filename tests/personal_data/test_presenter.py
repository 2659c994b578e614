"""/mydata's documents: the JSON is complete and valid, the text readable, in the user's language."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiogram.utils.i18n import I18n
from sqlalchemy import inspect

from bot.db.models import Appeal, Assessment, CheckIn, Code, Declaration, Override, User, Verification
from bot.domain.answers import Colour
from bot.domain.status import Override as Decision
from bot.i18n import create_i18n
from bot.personal_data import presenter
from bot.personal_data.service import Conversation, ErasurePreview, HeldRole, OrganizationName, StoredData

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 27, 8, 30, tzinfo=UTC)
ANSWERS = {
    "full_name": "Jane Doe",
    "nationality": "GB",
    "id_type": "passport",
    "id_number": "E12345678",
    "phone": "+8613800138000",
    "district": "yinzhou",
    "address": "199 Taikang East Road, building 3 <b>&",
    "in_ningbo": True,
    "arrival_date": None,
    "places": [],
    "contacts": ["fever_or_respiratory"],
    "own_status": "none",
    "symptoms": ["cough"],
    "temperature_c": 36.6,
    "declared_on": "2026-11-25",
}


@pytest.fixture(scope="module")
def i18n() -> I18n:
    return create_i18n()


@pytest.fixture
def english(i18n: I18n) -> Iterator[None]:
    with i18n.context(), i18n.use_locale("en"):
        yield


@pytest.fixture
def chinese(i18n: I18n) -> Iterator[None]:
    with i18n.context(), i18n.use_locale("zh"):
        yield


def _stored(conversation: Conversation | None = None) -> StoredData:
    declared_at = NOW - timedelta(days=2)
    user = User(
        id=1001,
        public_id=424242424242,
        language="en",
        privacy_accepted_at=declared_at - timedelta(minutes=5),
        created_at=declared_at - timedelta(minutes=5),
        status_evaluated_on=date(2026, 11, 27),
    )
    declaration = Declaration(id=7, user_id=1001, answers=ANSWERS, declared_at=declared_at)
    checkins = [
        CheckIn(
            id=1,
            user_id=1001,
            day=date(2026, 11, 25),
            temperature_c=36.6,
            symptoms=["cough"],
            declaration_id=7,
            reported_at=declared_at,
        ),
        CheckIn(
            id=2,
            user_id=1001,
            day=date(2026, 11, 26),
            temperature_c=37.9,
            symptoms=[],
            declaration_id=None,
            reported_at=declared_at + timedelta(days=1),
        ),
    ]
    assessment = Assessment(
        id=3,
        user_id=1001,
        declaration_id=7,
        cause="declaration",
        colour="yellow",
        reasons=["symptom_cough", "contact_fever_or_respiratory"],
        other_reasons=[],
        period_days=7,
        starts_on=date(2026, 11, 25),
        ends_on=date(2026, 12, 2),
        next_step="home_or_centralized_observation",
        clears_by_checkins=True,
        rules_version="v1",
        assessed_at=declared_at,
        notified_at=None,
    )
    code = Code(
        user_id=1001,
        assessment_id=3,
        token="TOKEN-abcdef",
        colour="yellow",
        language="en",
        issued_at=NOW - timedelta(hours=1),
        expires_at=NOW + timedelta(hours=23),
        file_id="file-1",
        status={"colour": "yellow", "reasons": ["symptom_cough"], "green_on": "2026-12-02"},
    )
    return StoredData(
        user=user,
        declarations=[declaration],
        checkins=checkins,
        assessments=[assessment],
        overrides=[
            Override(
                id=1,
                user_id=1001,
                colour="green",
                category="released",
                reason="Released by the CDC",
                starts_on=date(2026, 11, 26),
                ends_on=None,
                set_by=555,
                set_at=NOW - timedelta(days=1),
            )
        ],
        checks=[
            Verification(
                id=1,
                at=NOW - timedelta(hours=2),
                staff_id=777,
                holder_id=1001,
                token_issued_at=NOW - timedelta(hours=3),
                valid=True,
                reason="valid",
                colour="yellow",
                temperature_c=37.3,
            )
        ],
        code=code,
        conversation=conversation or Conversation(),
    )


def _columns(model) -> set[str]:
    return {attribute.key for attribute in inspect(model).column_attrs}


def test_the_json_is_valid_utf8_and_holds_every_column_of_every_row(english) -> None:
    form = Conversation(state="Registration:phone", data={"answers": {"full_name": "张三"}, "revision": 3})
    raw = presenter.data_json(_stored(form), NOW)
    assert "张三".encode() in raw, "not escaped as \\uXXXX"
    document = json.loads(raw.decode("utf-8"))

    assert set(document["account"]) == _columns(User)
    assert [set(row) for row in document["declarations"]] == [_columns(Declaration)]
    assert [set(row) for row in document["checkins"]] == [_columns(CheckIn)] * 2
    assert [set(row) for row in document["assessments"]] == [_columns(Assessment)]
    assert set(document["code"]) == _columns(Code)
    assert set(document["overrides"][0]) == _columns(Override) - {"set_by"}, "who decided is not theirs"
    assert set(document["checkpoint_checks"][0]) == _columns(Verification) - {"staff_id", "holder_id"}
    assert document["checkpoint_checks"][0]["temperature_c"] == 37.3
    assert "777" not in raw.decode() and "555" not in raw.decode()

    assert document["exported_at"] == "2026-11-27T08:30:00+00:00"
    assert document["account"]["id"] == 1001 and document["account"]["public_id"] == 424242424242
    assert document["account"]["status_evaluated_on"] == "2026-11-27"
    assert document["declarations"][0]["answers"] == ANSWERS
    assert document["declarations"][0]["declared_at"] == "2026-11-25T08:30:00+00:00"
    assert document["checkins"][0]["day"] == "2026-11-25" and document["checkins"][0]["declaration_id"] == 7
    assert document["checkins"][1]["temperature_c"] == 37.9
    assert document["assessments"][0]["ends_on"] == "2026-12-02"
    assert document["assessments"][0]["notified_at"] is None
    assert document["code"]["token"] == "TOKEN-abcdef"
    assert document["code"]["status"]["green_on"] == "2026-12-02"
    assert document["conversation"] == {"state": "Registration:phone", "data": form.data}


def test_the_json_without_an_account_has_only_the_conversation(english) -> None:
    document = json.loads(presenter.data_json(StoredData(user=None, conversation=Conversation(data={"x": 1})), NOW))
    assert document["account"] is None and document["code"] is None
    assert document["declarations"] == document["checkins"] == document["assessments"] == []
    assert document["conversation"] == {"state": None, "data": {"x": 1}}
    assert json.loads(presenter.data_json(StoredData(user=None), NOW))["conversation"] is None


def test_the_text_has_headings_and_answers_under_their_questions(english) -> None:
    text = presenter.data_text(_stored(), "en", ZONE, NOW).decode("utf-8")
    for heading in (
        "Everything stored about you",
        "Your account",
        "Your declarations (1)",
        "Your daily check-ins (2)",
        "Your colour changes (1)",
        "Your current code",
    ):
        assert heading in text, heading
    assert "Your unfinished conversation" not in text
    assert "Telegram user id: 1001" in text
    assert "424242424242" in text
    assert "Language: English" in text
    # Moments in the bot's zone (UTC+8), days in long English form.
    assert "As of Nov 27, 2026 16:30" in text
    assert "Declared Nov 25, 2026 16:30" in text
    assert "Colour last re-evaluated for the day: November 27, 2026" in text
    assert "Daily check-in reminder: not chosen (reminded at the default time while not green)" in text
    # Answers labelled by the question titles, as the user reads them in the form, not HTML-escaped.
    assert "Full name: Jane Doe" in text
    assert "Nationality: United Kingdom" in text
    assert "ID document: Passport" in text
    assert "Mobile phone: +86 138 0013 8000" in text, "with its country code, as people read it"
    assert "District: Yinzhou" in text
    assert "Address: 199 Taikang East Road, building 3 <b>&" in text
    assert "In Ningbo: Yes, I am in Ningbo" in text
    assert "Places in the last 14 days: None of these" in text
    assert "Contacts in the last 14 days: Someone with fever or respiratory symptoms" in text
    assert "Arrival date" not in text, "an unasked question is not shown"
    assert "Declared on: November 25, 2026" in text
    # Check-ins, colours and the code.
    assert "Temperature: 37.9 °C" in text and "Symptoms: No symptoms" in text and "Symptoms: Cough" in text
    assert "Reported with a declaration." in text
    # Staff pressed "fever": the threshold was stored, nothing was measured.
    assert "Temperature taken: 37.3 °C or more" in text and "37.3 °C\n" not in text
    assert "🟡 YELLOW CODE" in text
    assert "Why: you reported a cough; close contact with someone with fever or respiratory symptoms" in text
    assert "Changed by: a declaration" in text
    assert "Earliest end: December 2, 2026" in text
    assert "You were told: not yet" in text
    assert "Token: TOKEN-abcdef" in text
    assert "Valid until: Nov 28, 2026 15:30" in text
    assert "Earliest date it can turn green: December 2, 2026" in text


def test_the_text_shows_a_form_in_progress(english) -> None:
    form = Conversation(
        state="Registration:id_number",
        data={"answers": {"full_name": "Jane Doe", "id_type": "passport"}, "editing": False, "revision": 3},
    )
    text = presenter.data_text(_stored(form), "en", ZONE, NOW).decode("utf-8")
    section = text.split("Your unfinished conversation", 1)[1]
    assert "Current step: ID number" in section
    assert "Full name: Jane Doe" in section and "ID document: Passport" in section
    assert "revision: 3" in section

    alone = presenter.data_text(StoredData(user=None, conversation=form), "en", ZONE, NOW).decode("utf-8")
    assert "You have no account." in alone and "Your account" not in alone
    assert "Current step: ID number" in alone


def test_odd_stored_values_are_shown_as_they_are(english) -> None:
    stored = _stored()
    stored.declarations[0].answers = {"full_name": "X", "arrival_date": "not a date", "district": "atlantis", "z": [1]}
    text = presenter.data_text(stored, "en", ZONE, NOW).decode("utf-8")
    assert "District: atlantis" in text and "z: [1]" in text


def test_the_text_shows_the_reminder_they_chose(english) -> None:
    stored = _stored()
    assert stored.user is not None
    stored.user.remind_choice, stored.user.remind_at = "on", time(8, 30)
    assert "Daily check-in reminder: every day at 08:30" in presenter.data_text(stored, "en", ZONE, NOW).decode()
    stored.user.remind_choice, stored.user.remind_at = "off", None
    assert "Daily check-in reminder: off" in presenter.data_text(stored, "en", ZONE, NOW).decode()
    document = json.loads(presenter.data_json(stored, NOW))
    assert document["account"]["remind_choice"] == "off"


def test_the_text_in_chinese(chinese) -> None:
    text = presenter.data_text(_stored(), "zh", ZONE, NOW).decode("utf-8")
    lines = [line.strip() for line in text.splitlines()]
    # Question titles and answers as the Chinese form shows them (the colon is the translator's).
    assert any(line.startswith("姓名") and line.endswith("Jane Doe") for line in lines)
    assert any(line.startswith("国籍") and line.endswith("英国") for line in lines)
    assert "黄码" in text and "YELLOW CODE" not in text
    assert "2026年12月2日" in text, "days in Chinese"
    for english in ("Nationality", "Full name", "Your account", "Your declarations", "Your current code"):
        assert english not in text, english


def test_the_deletion_messages_say_what_is_lost(english) -> None:
    confirmation = presenter.delete_confirmation(ErasurePreview(), "en")
    for words in ("answers", "check-ins", "history", "code", "checkpoints", "register again", "cannot be undone"):
        assert words in confirmation, words
    assert "organization" not in confirmation and "roles" not in confirmation, "nothing about what they do not have"
    assert "/start" in presenter.deleted()
    assert presenter.nothing_stored() == "Nothing is stored about you."


UNIVERSITY = OrganizationName("Ningbo <University>", "宁波大学")
PORT = OrganizationName("Port office", "港务处")
PREVIEW = ErasurePreview(organization=UNIVERSITY, roles=(HeldRole("staff"), HeldRole("hr", PORT)))


def test_the_confirmation_names_the_organization_and_the_roles_that_are_lost(english) -> None:
    confirmation = presenter.delete_confirmation(PREVIEW, "en")
    assert "You also leave your organization, <b>Ningbo &lt;University&gt;</b>." in confirmation
    assert "You also lose your roles:\n• checkpoint staff\n• HR member of Port office" in confirmation
    # Between what is deleted and the warning that it cannot be undone.
    assert confirmation.index("register again") < confirmation.index("University") < confirmation.index("undone")
    only_hr = presenter.delete_confirmation(ErasurePreview(roles=(HeldRole("hr"),)), "en")
    assert "• HR" in only_hr and "organization" not in only_hr


def test_the_confirmation_names_the_organizations_in_chinese(chinese) -> None:
    confirmation = presenter.delete_confirmation(PREVIEW, "zh")
    assert "宁波大学" in confirmation and "港务处" in confirmation
    assert "University" not in confirmation and "Port office" not in confirmation


def test_the_refusal_says_why_until_when_and_that_mydata_still_works(english) -> None:
    decision = Decision(Colour.RED, "Confirmed case", starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 5))
    refusal = presenter.deletion_refused(decision, "en")
    for words in ("cannot be deleted", "health authority's decision", "until March 5, 2026", "Nothing was deleted"):
        assert words in refusal, words
    assert "/mydata" in refusal
    open_ended = presenter.deletion_refused(Decision(Colour.YELLOW, "Observation", date(2026, 3, 2)), "en")
    assert "until it ends" in open_ended and "2026" not in open_ended


def test_a_decision_shows_what_was_decided_in_the_readers_language_and_the_note_as_written(chinese) -> None:
    text = presenter.data_text(_stored(), "zh", ZONE, NOW).decode("utf-8")
    assert "原因：解除医学观察" in text
    assert "卫生部门备注：Released by the CDC" in text


def test_an_upheld_appeal_shows_why_it_stands_in_the_readers_language_and_not_who_decided(english) -> None:
    appeal = Appeal(
        id=4,
        user_id=1001,
        reason="symptom_cough",
        colour="yellow",
        text="My test was negative",
        photo_file_id=None,
        state="upheld",
        created_at=NOW - timedelta(days=1),
        due_at=NOW,
        decided_at=NOW - timedelta(hours=2),
        decided_by=555,
        category="no_evidence",
        decision_text="Send the test itself",
    )
    data = dataclasses.replace(_stored(), appeals=[appeal])
    text = presenter.data_text(data, "en", ZONE, NOW).decode("utf-8")
    assert "Why it stands: what you sent does not show that the reason no longer applies" in text
    assert "The reviewer's words: Send the test itself" in text
    assert "555" not in text
