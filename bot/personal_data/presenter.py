"""The words of /mydata and /delete: everything stored, as JSON and as readable text, and the deletion's messages.

Plain functions of the stored rows: no Telegram, no database. The text is in the current gettext locale.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo
from html import escape, unescape
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from sqlalchemy import inspect

from bot.appeals.categories import category_text as appeal_category_text
from bot.db.models import Appeal, Assessment, CheckIn, Code, Declaration, Override, User, Verification
from bot.domain.status import Override as Decision
from bot.domain.temperature import FEVER_C
from bot.family import presenter as family_presenter
from bot.i18n import format_day, format_moment, semicolons
from bot.personal_data.service import Conversation, ErasurePreview, HeldRole, OrganizationName, StoredData
from bot.registration.presenter import answer_text
from bot.registration.questions import QUESTIONS, QUESTIONS_BY_KEY, question_for_state
from bot.reminders.presenter import stored_choice
from bot.roles.presenter import role_name
from bot.roles.service import RoleName
from bot.status.presenter import COLOUR_SYMBOLS, COLOUR_WORDS, category_text, reason_text

JSON_FILENAME = "my-data.json"
TEXT_FILENAME = "my-data.txt"
FORMAT_VERSION = 1
LANGUAGE_NAMES = {"en": "English", "zh": "中文"}


# --- Messages -------------------------------------------------------------------------------------


def export_limited(seconds: int) -> str:
    return ngettext(
        "You asked for your data a moment ago. You can ask again in {seconds} second.",
        "You asked for your data a moment ago. You can ask again in {seconds} seconds.",
        seconds,
    ).format(seconds=seconds)


def nothing_stored() -> str:
    return _("Nothing is stored about you.")


def documents_caption() -> str:
    return _(
        "Everything stored about you: a readable copy and the same data as JSON, for a computer. "
        "Send /delete to erase it."
    )


def delete_confirmation(preview: ErasurePreview, locale: str) -> str:
    """What is deleted, and what else goes with the account (their organization, their roles)."""
    paragraphs = [
        _(
            "<b>Delete everything stored about you?</b>\n"
            "\n"
            "This deletes your answers, your daily check-ins, the history of your colours and your health code. "
            "Your code stops working at checkpoints. To get a code again you would have to register again from "
            "the start."
        )
    ]
    if preview.organization is not None:
        paragraphs.append(
            _("You also leave your organization, <b>{organization}</b>.").format(
                organization=_organization_name(preview.organization, locale)
            )
        )
    if preview.roles:
        lines = [_("You also lose your roles:")]
        lines += [f"• {_held_role(role, locale)}" for role in preview.roles]
        paragraphs.append("\n".join(lines))
    if preview.open_appeal:
        paragraphs.append(_("Your appeal under review is withdrawn."))
    if preview.members:
        names = semicolons([name or "-" for _id, name in preview.members])
        paragraphs.append(
            _(
                "Your family members' data goes with it: {names}. To delete only one member's data, press their "
                "button below."
            ).format(names=escape(names))
        )
    paragraphs.append(_("<b>This cannot be undone.</b> To keep a copy first, send /mydata."))
    return "\n\n".join(paragraphs)


def _organization_name(organization: OrganizationName, locale: str) -> str:
    return escape(organization.name_zh if locale == "zh" else organization.name_en)


def _held_role(role: HeldRole, locale: str) -> str:
    if role.role == RoleName.HR and role.organization is not None:
        return _("HR member of {organization}").format(organization=_organization_name(role.organization, locale))
    if role.role == RoleName.REVIEWER and role.organization is not None:
        return _("reviewer of the appeals of {organization}").format(
            organization=_organization_name(role.organization, locale)
        )
    return role_name(role.role)


def deletion_refused(decision: Decision, locale: str) -> str:
    """/delete while a health authority's decision about their code is in force: nothing is deleted."""
    if decision.ends_on is None:
        why = _(
            "A health authority's decision about your health code is in force, so your data cannot be deleted "
            "until it ends."
        )
    else:
        why = _(
            "A health authority's decision about your health code is in force until {date}, so your data "
            "cannot be deleted until then."
        ).format(date=format_day(decision.ends_on, locale))
    return "\n\n".join(
        [
            _("<b>Your data cannot be deleted now.</b>"),
            why,
            _("Nothing was deleted. You can still see everything stored about you with /mydata."),
        ]
    )


def delete_button() -> str:
    return "🗑 " + _("Delete everything")


def keep_button() -> str:
    return _("Keep my data")


def deleted() -> str:
    return _("Everything stored about you has been deleted. Send /start if you want to begin again.")


def kept() -> str:
    return _("Nothing was deleted.")


# --- JSON -----------------------------------------------------------------------------------------


def data_json(data: StoredData, exported_at: datetime) -> bytes:
    """Every stored column of every row, UTF-8, dates and moments in ISO 8601 (moments in UTC)."""
    document = {"format_version": FORMAT_VERSION, "exported_at": exported_at, **_document(data)}
    return json.dumps(document, ensure_ascii=False, indent=2, default=_json_value).encode("utf-8")


def _document(data: StoredData) -> dict[str, Any]:
    return {
        "account": _row(data.user) if data.user is not None else None,
        "declarations": [_row(row) for row in data.declarations],
        "checkins": [_row(row) for row in data.checkins],
        "assessments": [_row(row) for row in data.assessments],
        # Who decided or checked is the administrator's or staff member's data, not the person's.
        "overrides": [_row(row, without={"set_by"}) for row in data.overrides],
        "checkpoint_checks": [_row(row, without={"staff_id", "holder_id"}) for row in data.checks],
        # Who decided an appeal, and whether reviewers were reminded, is the reviewers' data.
        "appeals": [_row(row, without={"decided_by", "reminded_at", "escalated_at"}) for row in data.appeals],
        "code": _row(data.code) if data.code is not None else None,
        "conversation": (
            {"state": data.conversation.state, "data": data.conversation.data} if data.conversation else None
        ),
        "family_members": [_document(member) for member in data.members],
    }


def _row(row: Any, without: frozenset[str] | set[str] = frozenset()) -> dict[str, Any]:
    """All mapped columns, so a column added to a table is exported without touching this."""
    return {
        attribute.key: getattr(row, attribute.key)
        for attribute in inspect(type(row)).column_attrs
        if attribute.key not in without
    }


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value, key=str)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# --- Readable text --------------------------------------------------------------------------------


def data_text(data: StoredData, locale: str, zone: tzinfo, exported_at: datetime) -> bytes:
    """The same data for a person to read, with headings, in `locale` (the current gettext locale)."""
    writer = _Text(locale, zone)
    writer.title(_("Everything stored about you"))
    writer.line(_("As of {moment}").format(moment=writer.moment(exported_at)))
    if data.user is None:
        writer.line(_("You have no account."))
    else:
        _account(writer, data.user)
        _holder_sections(writer, data)
    _conversation(writer, data.conversation)
    for member in data.members:
        _member(writer, member)
    return writer.render().encode("utf-8")


def _member(writer: _Text, member: StoredData) -> None:
    """A family member's data, under a title of its own, in the same sections as the account's."""
    user = member.user
    if user is None:
        return
    writer.line("")
    writer.line("")
    writer.title(_("Family member: {name}").format(name=user.display_name or "-"))
    writer.field(_("Relationship"), family_presenter.relation_label(user.relation))
    writer.field(_("Code id (the only id their code carries)"), str(user.public_id))
    writer.field(_("Added"), writer.moment(user.created_at))
    _holder_sections(writer, member)


def _holder_sections(writer: _Text, data: StoredData) -> None:
    """What is stored about a holder of a code, the account's own or a family member's."""
    _declarations(writer, data.declarations)
    _checkins(writer, data.checkins)
    _assessments(writer, data.assessments)
    _overrides(writer, data.overrides)
    _checks(writer, data.checks)
    _appeals(writer, data.appeals)
    _code(writer, data.code)


def _width(text: str) -> int:
    """Columns in a monospaced font: Chinese characters take two, so the underline matches the heading."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class _Text:
    def __init__(self, locale: str, zone: tzinfo) -> None:
        self.locale = locale
        self.zone = zone
        self._lines: list[str] = []

    def title(self, text: str) -> None:
        self._lines += [text, "=" * _width(text)]

    def heading(self, text: str) -> None:
        self._lines += ["", "", text, "-" * _width(text)]

    def subheading(self, text: str) -> None:
        self._lines += ["", f"* {text}"]

    def line(self, text: str, indent: int = 0) -> None:
        self._lines.append("  " * indent + text)

    def field(self, label: str, value: str, indent: int = 0) -> None:
        self.line(_("{label}: {value}").format(label=label, value=value), indent)

    def moment(self, value: datetime | None) -> str:
        return format_moment(value, self.locale, self.zone) if value is not None else "-"

    def day(self, value: date | None) -> str:
        return format_day(value, self.locale) if value is not None else "-"

    def render(self) -> str:
        return "\n".join(self._lines) + "\n"


def _account(writer: _Text, user: User) -> None:
    writer.heading(_("Your account"))
    writer.field(_("Telegram user id"), str(user.id))
    writer.field(_("Code id (the only id your code carries)"), str(user.public_id))
    writer.field(_("Language"), LANGUAGE_NAMES.get(user.language, user.language))
    writer.field(_("Agreed to the privacy notice"), writer.moment(user.privacy_accepted_at))
    writer.field(_("Account created"), writer.moment(user.created_at))
    evaluated = writer.day(user.status_evaluated_on) if user.status_evaluated_on else _("never")
    writer.field(_("Colour last re-evaluated for the day"), evaluated)
    writer.field(_("Daily check-in reminder"), stored_choice(user.remind_choice, user.remind_at))


def _declarations(writer: _Text, declarations: Iterable[Declaration]) -> None:
    declarations = list(declarations)
    writer.heading(_("Your declarations ({count})").format(count=len(declarations)))
    if not declarations:
        writer.line(_("None."))
    for declaration in declarations:
        writer.subheading(_("Declared {moment}").format(moment=writer.moment(declaration.declared_at)))
        _answers(writer, declaration.answers, indent=1)


def _answers(writer: _Text, answers: Mapping[str, Any], indent: int) -> None:
    """Each answer under its question's title, in the form's order; anything else as stored."""
    for question in QUESTIONS:
        if question.key in answers and answers[question.key] is not None:
            writer.field(str(question.title), _answer(question.key, answers[question.key], writer.locale), indent)
    for key, value in answers.items():
        if key in QUESTIONS_BY_KEY:
            continue
        if key == "declared_on" and isinstance(value, str):
            writer.field(_("Declared on"), _iso_day(writer, value), indent)
        else:
            writer.field(key, _plain(value), indent)


def _answer(key: str, value: Any, locale: str) -> str:
    try:
        return unescape(answer_text(QUESTIONS_BY_KEY[key], value, locale))
    except (TypeError, ValueError, AttributeError, KeyError):  # stored in an older shape: show it as it is
        return _plain(value)


def _iso_day(writer: _Text, value: str) -> str:
    try:
        return writer.day(date.fromisoformat(value))
    except ValueError:
        return value


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=_json_value)


def _checkins(writer: _Text, checkins: Iterable[CheckIn]) -> None:
    checkins = list(checkins)
    writer.heading(_("Your daily check-ins ({count})").format(count=len(checkins)))
    if not checkins:
        writer.line(_("None."))
    for checkin in checkins:
        writer.subheading(writer.day(checkin.day))
        writer.field(
            str(QUESTIONS_BY_KEY["temperature_c"].title),
            _answer("temperature_c", checkin.temperature_c, writer.locale),
            1,
        )
        writer.field(str(QUESTIONS_BY_KEY["symptoms"].title), _answer("symptoms", checkin.symptoms, writer.locale), 1)
        writer.field(_("Reported"), writer.moment(checkin.reported_at), 1)
        if checkin.declaration_id is not None:
            writer.line(_("Reported with a declaration."), 1)


def _cause(cause: str) -> str:
    causes = {
        "declaration": _("a declaration"),
        "checkin": _("a daily check-in"),
        "daily": _("the days that passed"),
        "override": _("a health authority's decision"),
        "checkpoint": _("a temperature taken at a checkpoint"),
    }
    return causes.get(cause, cause)


def _colour(colour: str) -> str:
    word = COLOUR_WORDS.get(colour)
    return f"{COLOUR_SYMBOLS.get(colour, '')} {word}".strip() if word is not None else colour


def _reasons(codes: Iterable[str]) -> str:
    return semicolons(reason_text(code) for code in codes)


def _assessments(writer: _Text, assessments: Iterable[Assessment]) -> None:
    assessments = list(assessments)
    writer.heading(_("Your colour changes ({count})").format(count=len(assessments)))
    if not assessments:
        writer.line(_("None."))
    for assessment in assessments:
        writer.subheading(
            _("{label}: {value}").format(label=writer.moment(assessment.assessed_at), value=_colour(assessment.colour))
        )
        if assessment.reasons:
            writer.line(_("Why: {reasons}").format(reasons=_reasons(assessment.reasons)), 1)
        else:
            writer.line(_("Why: nothing in your declaration puts you at risk."), 1)
        if assessment.other_reasons:
            writer.field(_("Other reasons"), _reasons(assessment.other_reasons), 1)
        writer.field(_("Changed by"), _cause(assessment.cause), 1)
        if assessment.starts_on is not None:
            writer.field(_("Counted from"), writer.day(assessment.starts_on), 1)
        if assessment.ends_on is not None:
            writer.field(_("Earliest end"), writer.day(assessment.ends_on), 1)
        writer.field(_("Rules version"), assessment.rules_version, 1)
        told = writer.moment(assessment.notified_at) if assessment.notified_at else _("not yet")
        writer.field(_("You were told"), told, 1)


def _overrides(writer: _Text, overrides: Sequence[Override]) -> None:
    writer.heading(_("Decisions of a health authority on your colour ({count})").format(count=len(overrides)))
    if not overrides:
        writer.line(_("None."))
    for override in overrides:
        writer.subheading(
            _("{label}: {value}").format(label=writer.moment(override.set_at), value=_colour(override.colour))
        )
        writer.field(_("Reason"), category_text(override.category), 1)
        if override.reason:
            writer.field(_("Note from the health authority"), override.reason, 1)
        writer.field(_("From"), writer.day(override.starts_on), 1)
        writer.field(_("Until"), writer.day(override.ends_on) if override.ends_on else _("further notice"), 1)


def _checks(writer: _Text, checks: Sequence[Verification]) -> None:
    writer.heading(_("Your code checked at checkpoints ({count})").format(count=len(checks)))
    if not checks:
        writer.line(_("None."))
    for check in checks:
        verdict = _("valid") if check.valid else _("not valid")
        writer.subheading(_("{label}: {value}").format(label=writer.moment(check.at), value=verdict))
        if check.colour:
            writer.field(_("Colour"), _colour(check.colour), 1)
        if check.temperature_c is not None:
            # Staff press "fever" or "normal"; the threshold stored for a fever is not a measured temperature.
            reading = _("37.3 °C or more") if check.temperature_c >= FEVER_C else _("normal")
            writer.field(_("Temperature taken"), reading, 1)


def _appeals(writer: _Text, appeals: Sequence[Appeal]) -> None:
    writer.heading(_("Your appeals ({count})").format(count=len(appeals)))
    if not appeals:
        writer.line(_("None."))
    outcomes = {
        "open": _("being reviewed"),
        "upheld": _("the reason stands"),
        "granted": _("granted"),
        "withdrawn": _("withdrawn"),
    }
    for appeal in appeals:
        outcome = outcomes.get(appeal.state, appeal.state)
        writer.subheading(_("{label}: {value}").format(label=writer.moment(appeal.created_at), value=outcome))
        contested = _("an override") if appeal.reason == "override" else reason_text(appeal.reason)
        writer.field(_("Reason contested"), contested, 1)
        writer.field(_("Your words"), appeal.text, 1)
        writer.field(_("Photo"), _("attached (kept by Telegram)") if appeal.photo_file_id else _("none"), 1)
        writer.field(_("Answer due by"), writer.moment(appeal.due_at), 1)
        if appeal.decided_at is not None:
            writer.field(_("Decided or withdrawn"), writer.moment(appeal.decided_at), 1)
        if appeal.category:
            writer.field(_("Why it stands"), appeal_category_text(appeal.category, html=False), 1)
        if appeal.decision_text:
            writer.field(_("The reviewer's words"), appeal.decision_text, 1)
        if appeal.grant_ends_on is not None:
            writer.field(_("Green until"), writer.day(appeal.grant_ends_on - timedelta(days=1)), 1)


def _code(writer: _Text, code: Code | None) -> None:
    writer.heading(_("Your current code"))
    if code is None:
        writer.line(_("None."))
        return
    writer.field(_("Colour"), _colour(code.colour))
    writer.field(_("Issued"), writer.moment(code.issued_at))
    writer.field(_("Valid until"), writer.moment(code.expires_at))
    writer.field(_("Token"), code.token)
    status = code.status if isinstance(code.status, Mapping) else {}
    if status.get("reasons"):
        writer.line(_("Why: {reasons}").format(reasons=_reasons(status["reasons"])))
    green_on = status.get("green_on")
    if isinstance(green_on, str):
        writer.line(_("Earliest date it can turn green: {date}").format(date=_iso_day(writer, green_on)))


def _conversation(writer: _Text, conversation: Conversation) -> None:
    if not conversation:
        return
    writer.heading(_("Your unfinished conversation"))
    if conversation.state is not None:
        question = question_for_state(conversation.state)
        if question is not None:
            step = str(question.title)
        elif conversation.state.endswith(":summary"):
            step = _("checking the answers before submitting")
        else:
            step = conversation.state
        writer.field(_("Current step"), step)
    data = dict(conversation.data)
    answers = data.pop("answers", None)
    if isinstance(answers, Mapping) and answers:
        writer.line(_("Answers so far:"))
        _answers(writer, answers, indent=1)
    for key, value in data.items():
        writer.field(key, _plain(value))


def delete_member_button(name: str) -> str:
    return _("Delete only {name}'s data").format(name=name or "-")


def member_deleted(name: str) -> str:
    return _("Deleted: everything stored about {name}. Their code no longer works.").format(name=escape(name or "-"))
