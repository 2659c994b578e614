"""The buttons of organizations. Every one is checked again on the server when pressed: the data it
carries (an organization's number, a page) says what is asked, never that the presser may ask it."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.broadcast.service import Audience
from bot.callbacks import ButtonNumber, HolderNumber, MemberNumber
from bot.i18n import SUPPORTED_LOCALES
from bot.organizations import presenter as common_presenter
from bot.organizations.invites import presenter as invites_presenter
from bot.organizations.reminders import presenter as reminders_presenter
from bot.organizations.report import presenter as report_presenter
from bot.organizations.report.service import MemberPage, Report
from bot.organizations.service import Attempt, ListKind, OrganizationSummary

LANGUAGE_NAMES = {"en": "English", "zh": "中文"}


class OrgChoice(CallbackData, prefix="orgpick"):
    """An organization chosen for `action` (report, remind or schedule); `value` is a schedule ("0830", "off").

    Typed, so the router picks the handler by `action` and any other is answered by the fallback as a button
    of an earlier message; the text on the wire is as before ("orgpick:report:5:")."""

    action: Attempt
    org: ButtonNumber
    value: str = ""


class MemberList(CallbackData, prefix="hrlist"):
    """A page of a list of members; `nav` 1 when turning pages (the list message is edited in place).

    The page is found by a keyset cursor, not by counting rows: `after` (Next) is the member id ending the
    page before, `before` (Previous) the one starting the page after; 0 for none. `page` numbers it.
    """

    org: ButtonNumber
    kind: ListKind
    page: ButtonNumber = 0
    nav: ButtonNumber = 0
    after: HolderNumber = 0
    before: HolderNumber = 0


class MemberCsv(CallbackData, prefix="hrcsv"):
    org: ButtonNumber


class MemberXlsx(CallbackData, prefix="hrxlsx"):
    org: ButtonNumber


class RemindAction(StrEnum):
    WHO = "who"  # the audience chosen: preview it
    SEND = "send"
    OWN = "own"  # write one's own text instead of the default
    CANCEL = "cancel"


class RemindStep(CallbackData, prefix="remind"):
    """A step of /remind. `draft` names the reminder being prepared: a button of another one changes nothing.

    The router picks the handler by `step`; a step or an audience no button carries does not parse. Packed as
    before ("remind:who:5:ab12cd34:everyone", "remind:cancel:5:ab12cd34:"), so buttons in chats keep working.
    """

    step: RemindAction
    org: ButtonNumber
    draft: str
    audience: Audience | None = None


class JoinChoice(CallbackData, prefix="join"):
    """Join (or not) the organization of an invite; the invite code is checked again when pressed."""

    invite: str
    yes: ButtonNumber


class JoinFor(CallbackData, prefix="joinfor"):
    """A family member joins the invite's organization (a child its school): the invite is checked again, and
    the member looked up among the presser's own members only."""

    invite: str
    member: MemberNumber


class InviteLanguage(CallbackData, prefix="invlang"):
    """The language chosen by someone who came by an invite, before they agreed: nothing is stored yet."""

    code: str
    invite: str


class InviteAgree(CallbackData, prefix="invok"):
    language: str
    invite: str


def organization_choice(
    action: Attempt, organizations: list[OrganizationSummary], locale: str, value: str = ""
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for organization in organizations:
        builder.button(
            text=common_presenter.plain_name(organization, locale),
            callback_data=OrgChoice(action=action, org=organization.id, value=value),
        )
    builder.adjust(1)
    return builder.as_markup()


def report_keyboard(report: Report) -> InlineKeyboardMarkup:
    organization = report.organization.id
    builder = InlineKeyboardBuilder()
    builder.button(
        text=report_presenter.list_button(ListKind.NOT_CHECKED_IN, report.not_checked_in),
        callback_data=MemberList(org=organization, kind=ListKind.NOT_CHECKED_IN),
    )
    builder.button(
        text=report_presenter.list_button(ListKind.NOT_GREEN, report.not_green),
        callback_data=MemberList(org=organization, kind=ListKind.NOT_GREEN),
    )
    builder.button(text=report_presenter.csv_button(), callback_data=MemberCsv(org=organization))
    builder.button(text=report_presenter.xlsx_button(), callback_data=MemberXlsx(org=organization))
    builder.button(
        text=report_presenter.remind_button(), callback_data=OrgChoice(action=Attempt.REMIND, org=organization)
    )
    builder.adjust(2, 2, 1)
    return builder.as_markup()


def page_keyboard(page: MemberPage) -> InlineKeyboardMarkup | None:
    if page.pages <= 1 or not page.members:
        return None
    organization, kind = page.organization.id, page.kind
    builder = InlineKeyboardBuilder()
    if page.page > 0:
        builder.button(
            text=report_presenter.previous_button(),
            callback_data=MemberList(
                org=organization, kind=kind, page=page.page - 1, nav=1, before=page.members[0].user_id
            ),
        )
    if page.page < page.pages - 1:
        builder.button(
            text=report_presenter.next_button(),
            callback_data=MemberList(
                org=organization, kind=kind, page=page.page + 1, nav=1, after=page.members[-1].user_id
            ),
        )
    return builder.as_markup()


def audience_keyboard(organization_id: int, draft: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for audience in Audience:
        builder.button(
            text=reminders_presenter.audience_button(audience),
            callback_data=RemindStep(step=RemindAction.WHO, org=organization_id, draft=draft, audience=audience),
        )
    builder.button(
        text=invites_presenter.cancel_button(),
        callback_data=RemindStep(step=RemindAction.CANCEL, org=organization_id, draft=draft),
    )
    builder.adjust(1)
    return builder.as_markup()


def preview_keyboard(organization_id: int, draft: str, audience: Audience) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for step, text in (
        (RemindAction.SEND, reminders_presenter.send_button()),
        (RemindAction.OWN, reminders_presenter.write_own_button()),
        (RemindAction.CANCEL, invites_presenter.cancel_button()),
    ):
        builder.button(
            text=text, callback_data=RemindStep(step=step, org=organization_id, draft=draft, audience=audience)
        )
    builder.adjust(1)
    return builder.as_markup()


def join_keyboard(
    invite: str, members: Sequence[tuple[int, str]] = (), account_may_join: bool = True
) -> InlineKeyboardMarkup:
    """Join, or one of the family members (id, name) joins, or nothing."""
    builder = InlineKeyboardBuilder()
    if account_may_join:
        builder.button(text=invites_presenter.join_button(), callback_data=JoinChoice(invite=invite, yes=1))
    for member_id, name in members:
        builder.button(
            text=invites_presenter.join_for_button(name), callback_data=JoinFor(invite=invite, member=member_id)
        )
    builder.button(text=invites_presenter.cancel_button(), callback_data=JoinChoice(invite=invite, yes=0))
    if members:  # one per line, names and all; Join and Cancel alone stay side by side
        builder.adjust(1)
    return builder.as_markup()


def invite_language_keyboard(invite: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in SUPPORTED_LOCALES:
        builder.button(text=LANGUAGE_NAMES.get(code, code), callback_data=InviteLanguage(code=code, invite=invite))
    return builder.as_markup()


def invite_agree_keyboard(language: str, invite: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text="✅ " + invites_presenter.agree_button(), callback_data=InviteAgree(language=language, invite=invite)
    )
    return builder.as_markup()
