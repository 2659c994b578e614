"""The words of joining an organization by its invite link."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from bot.onboarding.texts import in_both_languages
from bot.organizations.invites.service import Invitation, Joined, JoinOutcome
from bot.organizations.presenter import organization_name
from bot.organizations.service import OrganizationSummary

# --- Invites ----------------------------------------------------------------------------------------


def unknown_invite() -> str:
    return _(
        "This invite link is not valid: it may be mistyped or out of date. "
        "Ask your organization's HR office for its current link."
    )


def what_hr_sees() -> str:
    return _("Its HR office will see your name, your colour and whether you checked in each day; never your answers.")


def welcome_invited(organization: OrganizationSummary, locale: str) -> str:
    return in_both_languages(
        _(
            "Welcome to the Health Code bot. You were invited to join <b>{organization}</b>. Choose your language:"
        ).format(organization=organization_name(organization, locale)),
        locale,
    )


def privacy_invite_note(organization: OrganizationSummary, locale: str) -> str:
    """Under the privacy notice of someone who came by an invite: agreeing also joins."""
    return (
        _("When you agree, you also join <b>{organization}</b>.").format(
            organization=organization_name(organization, locale)
        )
        + " "
        + what_hr_sees()
    )


def join_question(invitation: Invitation, locale: str) -> str:
    assert invitation.organization is not None
    lines = [
        _("Join <b>{organization}</b>?").format(organization=organization_name(invitation.organization, locale)),
        what_hr_sees(),
    ]
    if invitation.current is not None:
        lines.append(
            _("You belong to <b>{current}</b> now; joining leaves it (one organization at a time).").format(
                current=organization_name(invitation.current, locale)
            )
        )
    return "\n".join(lines)


def agree_button() -> str:
    return _("I agree")


def join_button() -> str:
    return _("Join")


def join_for_button(name: str) -> str:
    return _("{name} joins").format(name=name or "…")


def member_join_result(name: str, joined: Joined, locale: str) -> str:
    """A family member joined (or not): named, never told anything about the account beyond that."""
    if joined.outcome is JoinOutcome.UNKNOWN_INVITE or joined.organization is None:
        return unknown_invite()
    organization = organization_name(joined.organization, locale)
    if joined.outcome is JoinOutcome.ALREADY_MEMBER:
        return _("{name} is already a member of <b>{organization}</b>.").format(
            name=escape(name), organization=organization
        )
    text = _("{name} is now a member of <b>{organization}</b>.").format(name=escape(name), organization=organization)
    if joined.left is not None:
        text += " " + _("{name} left <b>{organization}</b>.").format(
            name=escape(name), organization=organization_name(joined.left, locale)
        )
    return text


def cancel_button() -> str:
    return _("Cancel")


def already_member(organization: OrganizationSummary, locale: str) -> str:
    return _("You are already a member of <b>{organization}</b>.").format(
        organization=organization_name(organization, locale)
    )


def join_result(joined: Joined, locale: str) -> str:
    if joined.outcome is JoinOutcome.UNKNOWN_INVITE or joined.organization is None:
        return unknown_invite()
    if joined.outcome is JoinOutcome.ALREADY_MEMBER:
        return already_member(joined.organization, locale)
    if joined.outcome is JoinOutcome.NO_ACCOUNT:
        return _("You have no account yet. Send /start, then open the invite link again.")
    text = _("You are now a member of <b>{organization}</b>.").format(
        organization=organization_name(joined.organization, locale)
    )
    if joined.left is not None:
        text += " " + _("You left <b>{organization}</b>.").format(organization=organization_name(joined.left, locale))
    return text


def join_cancelled() -> str:
    return _("Nothing changed.")


def membership_line(organization: OrganizationSummary, locale: str) -> str:
    """For /status: "Organization: <name>" in the current gettext locale (HTML-escaped)."""
    return _("Organization: {organization}").format(organization=organization_name(organization, locale))
