"""Longer texts, kept together so translators see them whole."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

# The language question is asked before anyone chose a language, so it carries the prompt in the other
# language too; written out, not translated, because it is exactly what the translation would not give.
OTHER_LANGUAGE_PROMPT = {"en": "请选择语言：", "zh": "Choose your language:"}


def in_both_languages(prompt: str, locale: str) -> str:
    """`prompt` (already in `locale`) followed by "choose your language" in the other language."""
    return f"{prompt}\n{OTHER_LANGUAGE_PROMPT.get(locale, OTHER_LANGUAGE_PROMPT['en'])}"


def privacy_notice(retention_days: int) -> str:
    return (
        _(
            "<b>Privacy notice</b>\n"
            "\n"
            "<b>What we collect:</b> your name, nationality, ID document and number, mobile number, district and address "
            "in Ningbo, arrival date, places stayed and contacts in the last 14 days, your health status, symptoms and "
            "temperature.\n"
            "<b>Why:</b> to give you a green, yellow or red health code under the rules of the Ningbo Health Code, "
            "and nothing else.\n"
            "<b>Who can see it:</b> checkpoint staff see only your colour, your name, the last four characters of "
            "your ID number, the day you last checked in and how long the code is valid; "
            "your organization's HR office sees your name, your colour and whether you checked in; if you appeal against "
            "your colour, a reviewer sees what you wrote and sent and your temperatures and symptoms of the last 14 days. "
            "Nobody else, and no other party.\n"
            "<b>How long:</b> your answers, check-ins and colours are kept for {days} days after you give them, then "
            "deleted; so is a form left unfinished. The record of each check of your code at a checkpoint (when, by "
            "which staff member, the colour shown) and of each reminder sent to you are also kept for {days} days, and "
            "your appeals for {days} days after you make them, or until they are decided if that is later.\n"
            "<b>After /delete:</b> everything about you is erased at once, except two records that stay without your "
            "name or Telegram id: checks of your code, until {days} days after each, and the administrators' log of "
            "actions by or about you (a colour set for a health authority's decision, an appeal decided, a role "
            "given or taken, a refused command, and when), kept for as long as the bot runs, so those decisions can be "
            "accounted for.\n"
            "<b>Your rights:</b> /mydata sends you everything stored about you; /delete erases it as said above.\n"
            "\n"
            "Nothing is stored until you press “I agree”. You can read this again at any time with /privacy."
        ).format(days=retention_days)
        + "\n\n"
        + _family_notice()
    )


def _family_notice() -> str:
    """What is stored about family members (issue 16), and who sees it."""
    return _(
        "<b>Family members</b> (/family): for a child, parent or other family member you add, the same answers "
        "as yours are stored, with what they are to you and that this account answers for them. Their codes are "
        "shown only in this chat. Checkpoint staff see of them what they see of anyone, and a line that the code "
        "is held on someone else's phone, never whose. /mydata includes them; /delete erases one member or "
        "everything; their data is kept and deleted like yours."
    )


def help_text() -> str:
    return _(
        "<b>Commands</b>\n"
        "/start: begin, or see your colour\n"
        "/code: show my health code\n"
        "/checkin: daily check-in\n"
        "/remindme: my daily check-in reminder (a time, or off)\n"
        "/status: my colour and the way to green\n"
        "/history: my declarations, check-ins and colours\n"
        "/appeal: contest a wrong colour\n"
        "/update: declare again, with your last answers filled in\n"
        "/mydata: everything stored about me\n"
        "/delete: delete my data\n"
        "/language: English or 中文\n"
        "/privacy: what is stored and who sees it\n"
        "/cancel: stop the questions without saving\n"
        "/help: this list\n"
        "\n"
        "You can also type “show my code” or “健康码”, and “check in” or “打卡”."
    )


def staff_help_text() -> str:
    return _(
        "<b>Checkpoint staff</b>\n"
        "Scan a health code with the phone camera, or send /verify with the code or its link, or a photo of it."
    )


def reviewer_help_text() -> str:
    return _(
        "<b>Appeal reviewers</b>\n/appeals: the appeals against a colour, the one due first first: uphold or grant each"
    )


def hr_help_text() -> str:
    return _(
        "<b>HR office</b>\n"
        "/report: today's check-ins and colours of your organization's members\n"
        "/remind: remind them to check in, now\n"
        "/schedule: a daily reminder"
    )


def admin_help_text() -> str:
    return _(
        "<b>Administrators</b>\n"
        "/roles: who is staff or HR\n"
        "/grant, /revoke: staff, hr or reviewer to a person (id, @username, or forward one of their messages)\n"
        "/override: set a person's colour for a health authority's decision\n"
        "/org, /orgs: organizations, their HR and invite links\n"
        "/stats: everyone's colours and today's check-ins, checks and appeals"
    )
