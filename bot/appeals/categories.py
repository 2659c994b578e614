"""Why an appeal was upheld, in the reader's language: told to the person when decided, and shown again in
their /history and /mydata. Here rather than in the presenter so /history can use it (the appeals presenter
imports the history one), and with plain Python under it so /history needs none of the appeals' use cases."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import lazy_gettext as __

from bot.domain.appeals import Category

CATEGORIES = {
    Category.ON_RECORD: __("your own answers on record give this reason"),
    Category.NO_EVIDENCE: __("what you sent does not show that the reason no longer applies"),
    Category.RULES: __("the rules require this colour for this reason until its days have passed"),
    Category.AUTHORITY: __("only the health authority can release this reason: please contact them (12345)"),
}


def category_text(code: str, *, html: bool = True) -> str:
    """A stored category in the reader's language; one this version does not know, as stored (escaped for
    HTML; the /mydata text file is plain)."""
    try:
        return str(CATEGORIES[Category(code)])
    except ValueError:
        return escape(code) if html else code
