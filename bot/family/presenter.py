"""The words of /family: the list of members, the relationship question, the limit."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.family.service import MEMBER_LIMIT, Member, Relation
from bot.status.presenter import COLOUR_SYMBOLS

_RELATIONS = {
    Relation.CHILD: __("Child"),
    Relation.PARENT: __("Parent"),
    Relation.SPOUSE: __("Spouse"),
    Relation.OTHER: __("Other family member"),
}


def relation_label(relation: Relation | str | None) -> str:
    try:
        return str(_RELATIONS[Relation(relation or Relation.OTHER)])
    except ValueError:
        return str(_RELATIONS[Relation.OTHER])


def _name(member: Member) -> str:
    return escape(member.name or "…")


def family_text(members: Sequence[Member]) -> str:
    if not members:
        return _(
            "<b>My family</b>\n\nNo family members yet. Add a child or a parent who has no phone of their own: "
            "they get a health code of their own, shown in this chat. Up to {limit}."
        ).format(limit=MEMBER_LIMIT)
    lines = [_("<b>My family</b>"), ""]
    for member in members:
        symbol = COLOUR_SYMBOLS.get(member.colour or "", "⚪")
        lines.append(
            _("{symbol} {name} ({relation})").format(
                symbol=symbol, name=_name(member), relation=escape(relation_label(member.relation))
            )
        )
    lines += ["", _("Their codes are shown in this chat; staff who scan one never learn whose phone holds it.")]
    return "\n".join(lines)


def add_label() -> str:
    return _("Add a family member")


def show_code_label(member: Member) -> str:
    return _("Show {name}'s code").format(name=member.name or "…")


def all_codes_label() -> str:
    return _("All codes")


def status_label(member: Member) -> str:
    return _("Status of {name}").format(name=member.name or "…")


def history_label(member: Member) -> str:
    return _("History of {name}").format(name=member.name or "…")


def choose_status() -> str:
    return _("Your family members' status:")


def choose_history() -> str:
    return _("Your family members' history:")


def status_heading(member: Member) -> str:
    return _("<b>Status of {name}</b>").format(name=_name(member))


def history_heading(member: Member) -> str:
    return _("<b>History of {name}</b>, newest first").format(name=_name(member))


def ask_relation() -> str:
    return _("Who is the family member to you?")


def relation_chosen(relation: Relation) -> str:
    return _("{question} {answer}").format(question=ask_relation(), answer=escape(relation_label(relation)))


def limit_reached() -> str:
    return _("You already have {limit} family members, the most one account can add.").format(limit=MEMBER_LIMIT)


def added(member: Member) -> str:
    return _("Saved. Here is the health code of {name}.").format(name=_name(member))


def member_code_intro(member: Member) -> str:
    return _("The health code of {name}:").format(name=_name(member))


def choose_code() -> str:
    return _("Your family members' codes:")


def no_member_named(name: str, members: Sequence[Member]) -> str:
    if not members:
        return _("You have no family member called {name}. Send /family to add one.").format(name=escape(name))
    return _("You have no family member called {name}. Choose one:").format(name=escape(name))


# "show Mia's code", "Mia's health code please"; "出示Mia的健康码", "小明的码".
_ASKED_IN_ENGLISH = re.compile(
    r"^(?:please\s+)?(?:show|display|open|send)?\s*(?:me\s+)?(?P<name>.+?)['’]s\s+(?:health\s+)?code"
    r"(?:\s+please)?\s*[.!?]*$",
    re.IGNORECASE,
)
_ASKED_IN_CHINESE = re.compile(r"^(?:请)?(?:出示|显示|打开|查看|给我看)?(?P<name>.+?)的(?:健康)?码[。！!]*$")
# What names the asker or nobody: their own code has its own words (bot.codes.handlers).
_NOT_A_NAME = frozenset({"my", "your", "me", "the", "a", "our", "我", "我自己", "自己", "你", "我们"})


def name_in_code_request(text: str) -> str | None:
    """The name in a request for a family member's code; None when the text is no such request."""
    stripped = " ".join(text.split())
    for pattern in (_ASKED_IN_ENGLISH, _ASKED_IN_CHINESE):
        if (found := pattern.match(stripped)) is not None:
            name = found.group("name").strip()
            # A name is a few words: a longer text that ends in "'s code" is a sentence, not a request.
            short = len(name) <= 60 and len(name.split()) <= 4
            return name if name and short and name.casefold() not in _NOT_A_NAME else None
    return None
