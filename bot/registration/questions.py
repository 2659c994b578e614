"""The questions, in order, as data: what is asked, how an answer is read, and when a question applies.

Answers are kept in the conversation state under the field names of `bot.domain.answers.Declaration`,
so the half-filled form is plain JSON that survives a restart.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, TypeGuard

from aiogram.fsm.state import State, StatesGroup
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from babel.support import LazyProxy

from bot.domain.answers import Contact, District, IdType, OwnStatus, Place, Symptom
from bot.domain.dates import NoSuchDay, read_day
from bot.domain.identity import InvalidIdNumber, InvalidName, NameProblem, validate_id_number, validate_name
from bot.domain.nationality import InvalidNationality, nationality_name, parse_nationality
from bot.domain.phone import (
    HOME_REGION,
    InvalidPhone,
    NeedsCountryCode,
    calling_code,
    format_international,
    normalise_phone,
    shared_phone,
)
from bot.domain.temperature import InvalidTemperature, parse_temperature
from bot.filters import squash
from bot.i18n import format_day

Answers = dict[str, Any]
MAX_TEXT_LENGTH = 200
ARRIVAL_HORIZON_DAYS = 90


class Registration(StatesGroup):
    full_name = State()
    nationality = State()
    id_type = State()
    id_number = State()
    phone = State()
    district = State()
    address = State()
    in_ningbo = State()
    arrival_date = State()
    places = State()
    contacts = State()
    own_status = State()
    symptoms = State()
    temperature_c = State()
    summary = State()


class Purpose(StrEnum):
    DECLARATION = "declaration"
    CHECKIN = "checkin"
    # A family member's first declaration, answered by the account adding them (bot.family).
    MEMBER = "member"


class Kind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    MULTI = "multi"
    PHONE = "phone"
    DATE = "date"


class InvalidAnswer(Exception):
    """The answer cannot be used; `message` is already translated and says what to send instead."""

    def __init__(self, message: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        # Answers the person may mean, offered as buttons that send them (e.g. their number with a country code).
        self.suggestions = suggestions


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: LazyProxy
    stored: Any = None
    # The label when the form is about a family member ("Yes, they are in Ningbo"); None: `label` reads right.
    about_them: LazyProxy | None = None

    def label_for(self, about_them: bool) -> LazyProxy:
        return self.about_them if about_them and self.about_them is not None else self.label

    @property
    def answer(self) -> Any:
        return self.value if self.stored is None else self.stored


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    title: LazyProxy
    prompt: LazyProxy
    kind: Kind
    options: tuple[Option, ...] = ()
    parse: Callable[[str, Answers, date], Any] | None = None
    applies: Callable[[Answers], bool] = lambda answers: True
    invalidates: tuple[str, ...] = ()
    columns: int = 1
    # Reasons the whole answer is "none of these"; never preselected, it has to be pressed.
    none_label: LazyProxy | None = None
    # The prompt asked about a family member ("What is their name?"); None: `prompt` reads right for them too.
    about_them: LazyProxy | None = None

    def prompt_for(self, about_them: bool) -> LazyProxy:
        return self.about_them if about_them and self.about_them is not None else self.prompt

    @property
    def state(self) -> State:
        state = getattr(Registration, self.key)
        if not isinstance(state, State):  # every question's key names one of Registration's states
            raise LookupError(f"no form state for the question {self.key!r}")
        return state

    def option(self, value: str) -> Option | None:
        return next((option for option in self.options if option.value == value), None)

    def typed_option(self, text: str) -> Option | None:
        """The option whose button label, in the current language, was typed instead of pressed (people at a
        gate do), give or take a district's suffix ("海曙" for 海曙区); on a multiple choice only "none"
        (an option answering the empty list). None for anything else."""
        if not (typed := squash(text)):
            return None
        if self.kind is Kind.MULTI:
            said_none = typed in _NONE_WORDS or (self.none_label is not None and typed == squash(str(self.none_label)))
            return Option("", self.none_label or __("None of these"), stored=[]) if said_none else None
        if self.kind is not Kind.CHOICE:
            return None
        loose = _without_suffix(typed)
        found = next(
            (
                option
                for option in self.options
                # Either wording, whoever the form is about: typing a button's words is what it means.
                if loose
                in {_without_suffix(squash(str(label))) for label in (option.label, option.about_them) if label}
            ),
            None,
        )
        if found is None and typed in _NONE_WORDS:
            found = self.option("none")
        return found

    def option_for_answer(self, answer: Any) -> Option | None:
        return next((option for option in self.options if option.answer == answer), None)


# "None of these" as people type it, in either language: never preselected, but typing it is as explicit as
# pressing the button.
_NONE_WORDS = frozenset(
    squash(word)
    for word in (
        *("none", "nothing", "no", "nope", "none of them", "none of these", "no symptoms"),
        *("无", "没有", "都没有", "没", "无症状", "没有症状", "以上都没有", "以上均无", "都不是"),
    )
)
# What Chinese and English names of places end with, and people leave off: 海曙 for 海曙区, Cixi for 慈溪市.
_PLACE_SUFFIXES = ("区", "县", "市", "district", "county", "city")


def _without_suffix(squashed: str) -> str:
    for suffix in _PLACE_SUFFIXES:
        if squashed.endswith(suffix) and len(squashed) - len(suffix) >= 2:
            return squashed[: -len(suffix)]
    return squashed


def _clean_text(raw: str, *, min_length: int = 1) -> str:
    text = unicodedata.normalize("NFKC", raw)
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co"} for ch in text if ch not in "\n"):
        raise InvalidAnswer(_("Please use ordinary letters and digits only."))
    text = " ".join(text.split())
    if len(text) > MAX_TEXT_LENGTH:
        raise InvalidAnswer(
            _("That is too long: please keep it under {limit} characters.").format(limit=MAX_TEXT_LENGTH)
        )
    if len(text) < min_length:
        raise InvalidAnswer(_("That is too short."))
    return text


def parse_full_name(raw: str, answers: Answers, today: date) -> str:
    try:
        name = validate_name(raw[: MAX_TEXT_LENGTH * 2])
    except InvalidName as invalid:
        raise InvalidAnswer(_name_hint(invalid)) from None
    if len(name) > 100:
        raise InvalidAnswer(_("That is too long: please keep it under {limit} characters.").format(limit=100))
    return name


def _name_hint(invalid: InvalidName) -> str:
    if invalid.problem is NameProblem.DIGIT:
        return _("A name is made of letters, as in your ID document, without digits.")
    if invalid.problem is NameProblem.SYMBOL:
        return _(
            "A name can only have letters, spaces and the marks . ' - · as in your ID document: "
            "please leave out “{character}”."
        ).format(character=invalid.character)
    if invalid.problem is NameProblem.INVISIBLE:
        return _(
            "That name has invisible or blank characters in it. "
            "Please type your name as it is written in your ID document."
        )
    return _("A name needs at least two letters. Please type your full name as in your ID document.")


def parse_nationality_answer(raw: str, answers: Answers, today: date) -> str:
    try:
        return parse_nationality(_clean_text(raw))
    except InvalidNationality:
        raise InvalidAnswer(
            _("I do not know that country. Type its name in English or Chinese, e.g. Germany or 德国.")
        ) from None


def parse_id_number(raw: str, answers: Answers, today: date) -> str:
    id_type = IdType(answers["id_type"])
    try:
        return validate_id_number(id_type, _clean_text(raw), today=today)
    except InvalidIdNumber:
        raise InvalidAnswer(_id_number_hint(id_type)) from None


def _id_number_hint(id_type: IdType) -> str:
    hints = {
        IdType.RESIDENT_ID: _(
            "That is not a valid resident ID number: it has 18 characters, the last one a digit or X, "
            "and its check digit must match."
        ),
        IdType.PASSPORT: _(
            "That is not a valid passport number: use the letters and digits printed on the photo page."
        ),
        IdType.FOREIGNER_PERMIT: _(
            "That is not a valid permit number: use the number on your residence permit or permanent residence card."
        ),
        IdType.HMT_PERMIT: _(
            "That is not a valid permit number: a Home Return Permit is H or M and 8 or 10 digits, "
            "a Taiwan compatriot permit 8 or 10 digits."
        ),
    }
    return hints[id_type]


_INVALID_PHONE = __(
    "That is not a valid mobile number. Type it with the country code, e.g. +86 138 0013 8000, or press the button."
)
# Buttons with numbers to send: more would push the share button off a phone's keyboard.
_MAX_PHONE_SUGGESTIONS = 3


def parse_phone(raw: str, answers: Answers, today: date) -> str:
    nationality = answers.get("nationality")
    regions = [nationality] if isinstance(nationality, str) and nationality != HOME_REGION else []
    try:
        return normalise_phone(_clean_text(raw), regions)
    except NeedsCountryCode as unclear:
        raise _country_code_question(unclear, nationality if regions else None) from None
    except InvalidPhone:
        raise InvalidAnswer(str(_INVALID_PHONE)) from None


def parse_shared_phone(raw: str) -> str:
    """The number of the account, shared with the button: Telegram gives it in international form."""
    try:
        return shared_phone(raw)
    except InvalidPhone:
        raise InvalidAnswer(str(_INVALID_PHONE)) from None


def _country_code_question(unclear: NeedsCountryCode, nationality: str | None) -> InvalidAnswer:
    """Ask for the country of a number typed without one, offering what it would be in the nationality's."""
    candidates = unclear.candidates[:_MAX_PHONE_SUGGESTIONS]
    suggestions = tuple(format_international(e164) for _region, e164 in candidates)
    country = nationality_name(nationality, get_i18n().current_locale) if nationality else None
    if candidates and candidates[0][0] is not None and country is not None:
        text = _(
            "A number without a country code can only be a Chinese mobile number. If it is from your country "
            "({country}), press {number} below; otherwise type it with + and the country code."
        ).format(country=country, number=suggestions[0])
    elif candidates:
        text = _(
            "A number without a country code can only be a Chinese mobile number. Did you mean {number}? "
            "Press it below, or type the number with + and the country code."
        ).format(number=suggestions[0])
    elif country is not None and nationality is not None and (code := calling_code(nationality)) is not None:
        text = _(
            "A number without a country code can only be a Chinese mobile number. Please type it with + and "
            "the country code, e.g. +{code} for {country}."
        ).format(code=code, country=country)
    else:
        text = _(
            "A number without a country code can only be a Chinese mobile number. Please type it with + and "
            "the country code, e.g. +44 7400 123456."
        )
    return InvalidAnswer(text, suggestions)


def parse_address(raw: str, answers: Answers, today: date) -> str:
    address = _clean_text(raw, min_length=4)
    if not any(ch.isalpha() for ch in address):
        raise InvalidAnswer(_("Please give the street and building, e.g. 199 Taikang East Road, building 3."))
    return address


def parse_arrival_date(raw: str, answers: Answers, today: date) -> str:
    try:
        days = read_day(raw[:MAX_TEXT_LENGTH], today)
    except NoSuchDay:
        raise InvalidAnswer(_("That date does not exist. Please check the month and the day.")) from None
    if not days:
        raise InvalidAnswer(_("Please send the date as 2026-03-01, or press one of the buttons."))
    horizon = today + timedelta(days=ARRIVAL_HORIZON_DAYS)
    possible = [day for day in days if today <= day <= horizon]
    if len(possible) == 1:
        return possible[0].isoformat()
    if len(possible) > 1:
        # "1/12": the 1st of December or the 12th of January. Both could be an arrival: ask, never guess.
        locale = get_i18n().current_locale
        raise InvalidAnswer(
            _("Did you mean {first} or {second}? Press the one you mean.").format(
                first=format_day(possible[0], locale), second=format_day(possible[1], locale)
            ),
            tuple(day.isoformat() for day in possible),
        )
    if days[0] < today:
        raise InvalidAnswer(_("That date has passed. If you are already in Ningbo, go back and say so."))
    raise InvalidAnswer(
        _("That is too far ahead: declare no more than {days} days before you arrive.").format(
            days=ARRIVAL_HORIZON_DAYS
        )
    )


def parse_temperature_answer(raw: str, answers: Answers, today: date) -> float:
    try:
        return parse_temperature(raw[:MAX_TEXT_LENGTH])
    except InvalidTemperature:
        raise InvalidAnswer(
            _(
                "Please send your body temperature as a number, e.g. 36.6 (°C) or 97.9F; it must be between 34 and 43 °C."
            )
        ) from None


QUESTIONS: tuple[Question, ...] = (
    Question(
        "full_name",
        __("Full name"),
        __("What is your full name, as in your ID document?"),
        Kind.TEXT,
        parse=parse_full_name,
        about_them=__("What is their full name, as in their ID document?"),
    ),
    Question(
        "nationality",
        __("Nationality"),
        __("What is your nationality? Type the country, e.g. China, Germany, 英国."),
        Kind.TEXT,
        parse=parse_nationality_answer,
        about_them=__("What is their nationality? Type the country, e.g. China, Germany, 英国."),
    ),
    Question(
        "id_type",
        __("ID document"),
        __("Which ID document will you use?"),
        Kind.CHOICE,
        options=(
            Option(IdType.PASSPORT, __("Passport")),
            Option(IdType.RESIDENT_ID, __("Chinese resident ID card")),
            Option(IdType.FOREIGNER_PERMIT, __("Residence permit for foreigners")),
            Option(IdType.HMT_PERMIT, __("Hong Kong / Macao / Taiwan permit")),
        ),
        invalidates=("id_number",),
        about_them=__("Which ID document will they use?"),
    ),
    Question(
        "id_number",
        __("ID number"),
        __("What is the number of that document?"),
        Kind.TEXT,
        parse=parse_id_number,
    ),
    Question(
        "phone",
        __("Mobile phone"),
        __("What is your mobile number? Press the button to share this account's number, or type it."),
        Kind.PHONE,
        parse=parse_phone,
        about_them=__(
            "What mobile number reaches them (or you, for them)? Press the button to give this account's number, or type it."
        ),
    ),
    Question(
        "district",
        __("District"),
        __("In which district or county of Ningbo do you live?"),
        Kind.CHOICE,
        options=(
            Option(District.HAISHU, __("Haishu")),
            Option(District.JIANGBEI, __("Jiangbei")),
            Option(District.YINZHOU, __("Yinzhou")),
            Option(District.BEILUN, __("Beilun")),
            Option(District.ZHENHAI, __("Zhenhai")),
            Option(District.FENGHUA, __("Fenghua")),
            Option(District.YUYAO, __("Yuyao")),
            Option(District.CIXI, __("Cixi")),
            Option(District.NINGHAI, __("Ninghai")),
            Option(District.XIANGSHAN, __("Xiangshan")),
        ),
        columns=2,
        about_them=__("In which district or county of Ningbo do they live?"),
    ),
    Question(
        "address",
        __("Address"),
        __("What is your address there (street, building, room)?"),
        Kind.TEXT,
        parse=parse_address,
        about_them=__("What is their address there (street, building, room)?"),
    ),
    Question(
        "in_ningbo",
        __("In Ningbo"),
        __("Are you in Ningbo now?"),
        Kind.CHOICE,
        options=(
            Option("yes", __("Yes, I am in Ningbo"), stored=True, about_them=__("Yes, they are in Ningbo")),
            Option("no", __("No, I am arriving later"), stored=False, about_them=__("No, they are arriving later")),
        ),
        invalidates=("arrival_date",),
        about_them=__("Are they in Ningbo now?"),
    ),
    Question(
        "arrival_date",
        __("Arrival date"),
        __("On which date will you arrive in Ningbo? Press a date or type it, e.g. 2026-03-01."),
        Kind.DATE,
        parse=parse_arrival_date,
        applies=lambda answers: answers.get("in_ningbo") is False,
        about_them=__("On which date will they arrive in Ningbo? Press a date or type it, e.g. 2026-03-01."),
    ),
    Question(
        "places",
        __("Places in the last 14 days"),
        __("In the last 14 days, have you stayed in any of these? Choose all that apply, then Done."),
        Kind.MULTI,
        options=(
            Option(Place.HARDEST_HIT, __("A hardest-hit area of the epidemic")),
            Option(Place.HIGH_RISK, __("Another high-risk county, city or district")),
            Option(Place.ABROAD, __("Abroad")),
        ),
        none_label=__("None of these"),
        about_them=__("In the last 14 days, have they stayed in any of these? Choose all that apply, then Done."),
    ),
    Question(
        "contacts",
        __("Contacts in the last 14 days"),
        __("In the last 14 days, have you been in close contact with any of these? Choose all that apply, then Done."),
        Kind.MULTI,
        options=(
            Option(Contact.CONFIRMED_CASE, __("A confirmed case")),
            Option(Contact.SUSPECTED_CASE, __("A suspected case")),
            Option(Contact.FEVER_OR_RESPIRATORY, __("Someone with fever or respiratory symptoms")),
            Option(
                Contact.SAME_BUILDING,
                __("A confirmed case in the building where I live"),
                about_them=__("A confirmed case in the building where they live"),
            ),
        ),
        none_label=__("None of these"),
        about_them=__(
            "In the last 14 days, have they been in close contact with any of these? Choose all that apply, then Done."
        ),
    ),
    Question(
        "own_status",
        __("Your status"),
        __("Has a doctor or health authority told you that you are any of these?"),
        Kind.CHOICE,
        options=(
            Option(OwnStatus.CONFIRMED, __("A confirmed case")),
            Option(OwnStatus.SUSPECTED, __("A suspected case")),
            Option(OwnStatus.ASYMPTOMATIC, __("An asymptomatic infection")),
            Option(OwnStatus.OBSERVATION, __("Under medical observation or quarantine")),
            Option(OwnStatus.NONE, __("None of these")),
        ),
        about_them=__("Has a doctor or health authority told them that they are any of these?"),
    ),
    Question(
        "symptoms",
        __("Symptoms"),
        __("Do you have any of these symptoms now? Choose all that apply, then Done."),
        Kind.MULTI,
        options=(
            Option(Symptom.FEVER, __("Fever")),
            Option(Symptom.COUGH, __("Cough")),
            Option(Symptom.SHORTNESS_OF_BREATH, __("Shortness of breath")),
            Option(Symptom.FATIGUE, __("Fatigue")),
            Option(Symptom.OTHER_RESPIRATORY, __("Other respiratory symptoms")),
        ),
        none_label=__("No symptoms"),
        about_them=__("Do they have any of these symptoms now? Choose all that apply, then Done."),
    ),
    Question(
        "temperature_c",
        __("Temperature"),
        __("What is your body temperature now? E.g. 36.6 or 97.9F."),
        Kind.TEXT,
        parse=parse_temperature_answer,
        about_them=__("What is their body temperature now? E.g. 36.6 or 97.9F."),
    ),
)

QUESTIONS_BY_KEY = {question.key: question for question in QUESTIONS}
# What /update asks again even though the last declaration had an answer: these change day to day.
ALWAYS_ASKED_AGAIN = ("symptoms", "temperature_c")


def is_form_state(state: str | None) -> TypeGuard[str]:
    """Whether a conversation state is a place in the form (a declaration or a check-in in progress)."""
    return state is not None and state.startswith(f"{Registration.__name__}:")


def question_for_state(state: str | None) -> Question | None:
    if not is_form_state(state):
        return None
    return QUESTIONS_BY_KEY.get(state.split(":", 1)[1])


def first_question(answers: Answers) -> Question | None:
    """The first unanswered question; None when every one is answered (the summary comes next)."""
    return next((q for q in QUESTIONS if q.applies(answers) and q.key not in answers), None)


def next_question(current: Question, answers: Answers, editing: bool, carried: Collection[str] = ()) -> Question | None:
    """The question after `current`; while editing from the summary, only ones still unanswered. None: the end.

    Answers `carried` over from the last declaration are not asked again (a daily check-in).
    """
    if editing:
        return next((q for q in QUESTIONS if q.applies(answers) and q.key not in answers), None)
    index = QUESTIONS.index(current)
    return next((q for q in QUESTIONS[index + 1 :] if q.applies(answers) and q.key not in carried), None)


def previous_question(current: Question | None, answers: Answers, carried: Collection[str] = ()) -> Question | None:
    index = QUESTIONS.index(current) if current is not None else len(QUESTIONS)
    return next((q for q in reversed(QUESTIONS[:index]) if q.applies(answers) and q.key not in carried), None)


def record_answer(question: Question, answers: Answers, value: Any) -> Answers:
    """A new answers dict with `value` for `question`, dropping answers that depended on the old one."""
    updated = dict(answers)
    if updated.get(question.key) != value:
        for dependent in question.invalidates:
            updated.pop(dependent, None)
    updated[question.key] = value
    return {key: val for key, val in updated.items() if QUESTIONS_BY_KEY[key].applies(updated)}


def missing_questions(answers: Answers) -> list[Question]:
    return [q for q in QUESTIONS if q.applies(answers) and q.key not in answers]


def arrival_choices(today: date, days: int = 7) -> list[date]:
    return [today + timedelta(days=offset) for offset in range(days)]


@dataclass(slots=True)
class WizardData:
    """The conversation data of the form, as stored in FSM data (plain JSON)."""

    answers: Answers = field(default_factory=dict)
    editing: bool = False
    # The choices ticked so far on a multiple-choice question, before Done.
    ticked: list[str] = field(default_factory=list)
    # Counts the questions and summaries sent; their buttons carry it, so only the newest message's
    # buttons act (an old summary showing other answers cannot be submitted).
    revision: int = 0
    # A daily check-in asks only some questions, with the rest carried over, and ends without a summary.
    purpose: Purpose = field(default_factory=lambda: Purpose.DECLARATION)
    # The answers carried over from the last declaration: not asked, not counted, not gone back to.
    carried: list[str] = field(default_factory=list)
    # A family member's form: what they are to the account answering (bot.family.service.Relation).
    relation: str | None = None
    # A check-in for a family member: their id, checked again to be this account's when it is stored.
    member: int | None = None
    # "Check in everyone" (issue 16): the family members still to check in after this holder, each checked
    # again to be this account's when their turn comes, and each one done so far as {"name", "colour"}
    # (name None for the account itself), for the summary at the end.
    everyone: bool = False
    family: list[int] = field(default_factory=list)
    done: list[dict[str, Any]] = field(default_factory=list)

    @property
    def about_them(self) -> bool:
        """Asked about a family member, not the person answering."""
        return self.purpose is Purpose.MEMBER or self.member is not None

    @classmethod
    def load(cls, data: dict[str, Any]) -> WizardData:
        revision = data.get("revision")
        purpose = data.get("purpose")
        return cls(
            answers=dict(data.get("answers") or {}),
            editing=bool(data.get("editing")),
            ticked=list(data.get("ticked") or []),
            revision=revision if isinstance(revision, int) else 0,
            purpose=Purpose(purpose) if purpose in {str(p) for p in Purpose} else Purpose.DECLARATION,
            carried=list(data.get("carried") or []),
            relation=str(data["relation"]) if data.get("relation") else None,
            member=data["member"] if isinstance(data.get("member"), int) else None,
            everyone=bool(data.get("everyone")),
            family=[m for m in data.get("family") or [] if isinstance(m, int)],
            done=[d for d in data.get("done") or [] if isinstance(d, dict)],
        )

    def dump(self) -> dict[str, Any]:
        return {
            "answers": self.answers,
            "editing": self.editing,
            "ticked": self.ticked,
            "revision": self.revision,
            "purpose": str(self.purpose),
            "carried": self.carried,
            "relation": self.relation,
            "member": self.member,
            "everyone": self.everyone,
            "family": self.family,
            "done": self.done,
        }

    def to_ask(self) -> list[Question]:
        """The questions this form asks, given the answers so far, in order."""
        return [q for q in QUESTIONS if q.applies(self.answers) and q.key not in self.carried]
