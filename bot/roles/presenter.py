"""The words of roles: what administrators see when granting, revoking and listing, and what the person is told.

Plain functions: no Telegram, no database. Texts are in the current gettext locale; anything that
came from a user (names, @usernames, what they typed) is HTML-escaped here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from html import escape

from aiogram.utils.i18n import gettext as _

from bot.i18n import format_moment
from bot.roles.service import GRANTABLE, Action, GrantedRole, Outcome, RoleChange, RoleListing, RoleName

# Telegram's limit is 4,096 characters a message; a long listing is split below it, between lines.
MESSAGE_LIMIT = 3500


def role_name(role: RoleName | str) -> str:
    names: dict[str, str] = {
        RoleName.ADMIN: _("administrator"),
        RoleName.STAFF: _("checkpoint staff"),
        RoleName.HR: _("HR"),
        RoleName.REVIEWER: _("appeal reviewer"),
    }
    return names.get(role, escape(str(role)))


def role_heading(role: RoleName) -> str:
    if role is RoleName.REVIEWER:
        return _("Appeal reviewers")
    return _("Checkpoint staff") if role is RoleName.STAFF else _("HR")


def person(user_id: int, username: str | None = None, name: str | None = None) -> str:
    """Who someone is on an administrator's screen: `<b>Jane Doe</b> (@jane)`.

    The declared name when there is one, then the @username, or the Telegram id when no @username tells
    two people of one name apart; someone never registered is `<code>123</code>` (with @username if known).
    """
    name = (name or "").strip()
    if not name:
        text = f"<code>{user_id}</code>"
        return f"{text} (@{escape(username)})" if username else text
    handle = f"@{escape(username)}" if username else f"<code>{user_id}</code>"
    return f"<b>{escape(name)}</b> ({handle})"


# --- Refusals and bad input -------------------------------------------------------------------------


def only_admins() -> str:
    """The same words whatever was asked, so a refusal reveals nothing (not whether the person exists)."""
    return _("Only administrators can do that.")


def usage(action: Action) -> str:
    command = "/grant" if action is Action.GRANT else "/revoke"
    example = "/grant staff @username" if action is Action.GRANT else "/revoke staff @username"
    return _(
        "Usage: <code>{command} ROLE PERSON</code>\n"
        "ROLE: {roles}\n"
        "PERSON: their numeric Telegram id, or the @username of someone who has written to this bot.\n"
        "Example: <code>{example}</code>\n"
        "Or forward me one of their messages."
    ).format(command=command, roles=valid_roles(), example=example)


def valid_roles() -> str:
    return ", ".join(
        _("{word} ({meaning})").format(word=f"<code>{role.value}</code>", meaning=role_name(role)) for role in GRANTABLE
    )


def unknown_role(word: str) -> str:
    return _("There is no role “{role}”. The roles you can grant and revoke: {roles}.").format(
        role=escape(word), roles=valid_roles()
    )


def admin_is_configuration() -> str:
    return _(
        "Administrators are set in the bot's configuration (ADMIN_IDS), not by command. "
        "The roles you can grant and revoke: {roles}."
    ).format(roles=valid_roles())


def unknown_username(username: str) -> str:
    return _("I do not know @{username}: they must have written to this bot first, or use their numeric id.").format(
        username=escape(username)
    )


def uncertain_username(username: str) -> str:
    return _(
        "I cannot be sure who @{username} is now: the name may have passed to another account. "
        "Use their numeric Telegram id, or forward me one of their messages."
    ).format(username=escape(username))


def not_a_person(text: str) -> str:
    return _("“{text}” is neither a numeric Telegram id nor an @username.").format(text=escape(text))


# --- Results ----------------------------------------------------------------------------------------


def change_result(change: RoleChange, username: str | None, told: bool) -> str:
    who = person(change.user_id, username, change.name)
    role = role_name(change.role)
    if change.outcome is Outcome.UNCHANGED:
        if change.action is Action.GRANT:
            return _("{person} is already {role}. Nothing changed.").format(person=who, role=role)
        return _("{person} is not {role}. Nothing changed.").format(person=who, role=role)
    if change.action is Action.GRANT:
        text = _("Done: {person} is now {role}.").format(person=who, role=role)
    else:
        text = _("Done: {person} is no longer {role}.").format(person=who, role=role)
    if told:
        return text + " " + _("They will be told in a moment.")
    return text + " " + _("They could not be told: they have not started this bot, or blocked it.")


def notice(change: RoleChange) -> str:
    """For the person whose role changed, in their language."""
    if change.action is Action.GRANT:
        if change.role is RoleName.STAFF:
            return _(
                "You are now checkpoint staff: scan a health code with your phone camera, "
                "or send /verify followed by the code, or a photo of it."
            )
        if change.role is RoleName.REVIEWER:
            return _("You now review appeals against health codes: send /appeals to see the queue.")
        return _("You now have the HR role.")
    if change.role is RoleName.STAFF:
        return _("You are no longer checkpoint staff.")
    if change.role is RoleName.REVIEWER:
        return _("You no longer review appeals.")
    return _("You no longer have the HR role.")


# --- A forwarded message ----------------------------------------------------------------------------


def forwarded_person(user_id: int, first_name: str, username: str | None) -> str:
    """Who a forwarded message is from; the buttons under it show which roles they hold."""
    lines = [
        _("This message is from <b>{name}</b>.").format(name=escape(first_name)),
        _("Telegram id: {id}").format(id=f"<code>{user_id}</code>"),
        _("Username: {username}").format(username=f"@{escape(username)}" if username else _("none known")),
        "",
        _("What should change?"),
    ]
    return "\n".join(lines)


def hidden_sender(name: str) -> str:
    return _(
        "{name} hides their account when their messages are forwarded, so I cannot tell who they are. "
        "Name them by numeric id or @username instead: <code>/grant staff @username</code>"
    ).format(name=f"<b>{escape(name)}</b>")


def not_from_a_person() -> str:
    return _(
        "That message was not forwarded from a person's account. Roles are for people: forward a message they "
        "wrote, or name them by numeric id or @username."
    )


def from_a_bot() -> str:
    return _("That message is from a bot. Roles are for people.")


def grant_button(role: RoleName) -> str:
    if role is RoleName.REVIEWER:
        return _("Make appeal reviewer")
    return _("Make checkpoint staff") if role is RoleName.STAFF else _("Make HR")


def revoke_button(role: RoleName) -> str:
    if role is RoleName.REVIEWER:
        return _("Remove appeal reviewer")
    return _("Remove checkpoint staff") if role is RoleName.STAFF else _("Remove HR")


# --- /roles -----------------------------------------------------------------------------------------


def listing(roles: RoleListing, locale: str, zone: tzinfo) -> list[str]:
    """/roles, as one message or several when it is long."""
    lines = [_("<b>Roles</b>"), "", _("<b>Administrators</b> (set by configuration)")]
    if roles.admins:
        lines += [f"• {person(user_id, username, roles.names.get(user_id))}" for user_id, username in roles.admins]
    else:
        lines.append(_("none"))
    for role in GRANTABLE:
        lines += ["", f"<b>{role_heading(role)}</b>"]
        holders = [row for row in roles.roles if row.role == role]
        lines += [_granted(row, roles.names, locale, zone) for row in holders] or [_("none")]
    others = [row for row in roles.roles if row.role not in GRANTABLE]
    if others:
        lines += ["", _("<b>Other roles</b>")]
        lines += [_granted(row, roles.names, locale, zone, with_role=True) for row in others]
    return chunks(lines)


def _granted(row: GrantedRole, names: Mapping[int, str], locale: str, zone: tzinfo, with_role: bool = False) -> str:
    text = _("{person}: granted by {admin}, {moment}").format(
        person=person(row.user_id, row.username, names.get(row.user_id)),
        admin=person(row.granted_by, row.granted_by_username, names.get(row.granted_by)),
        moment=format_moment(row.granted_at, locale, zone),
    )
    if with_role:
        text = f"{role_name(row.role)} {text}"
    return f"• {text}"


def chunks(lines: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Lines joined into messages of at most `limit` characters, never splitting a line."""
    messages: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        if current and size + len(line) + 1 > limit:
            messages.append("\n".join(current).strip("\n"))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        messages.append("\n".join(current).strip("\n"))
    return [message for message in messages if message]
