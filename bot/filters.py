"""Filters shared by several features."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import Message, TelegramObject
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n.lazy_proxy import LazyProxy
from magic_filter import MagicFilter


def squash(text: str) -> str:
    """Compare typed words loosely: no case, spaces, punctuation or emoji ("🔳 Show my code!" == "show my code")."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


class Words(Filter):
    """Text that means one of `phrases` in any of the bot's languages (button labels included)."""

    def __init__(self, *phrases: LazyProxy | str) -> None:
        self._phrases = phrases
        self._known: frozenset[str] | None = None

    async def __call__(self, message: Message, i18n: I18n) -> bool:
        # A forwarded message is someone else's words (an admin naming a person), never a request.
        if not message.text or len(message.text) > 64 or message.forward_origin is not None:
            return False
        if self._known is None:
            self._known = self._translations(i18n)
        return squash(message.text) in self._known

    def _translations(self, i18n: I18n) -> frozenset[str]:
        words: set[str] = set()
        for phrase in self._phrases:
            if isinstance(phrase, LazyProxy):
                # The English msgid the proxy was made with; evaluating the proxy would need a current locale.
                msgid = object.__getattribute__(phrase, "_args")[0]
                words.update(
                    squash(i18n.gettext(msgid, locale=locale))
                    for locale in (i18n.default_locale, *i18n.available_locales)
                )
            else:
                words.add(squash(phrase))
        return frozenset(word for word in words if word)


class Has(Filter):
    """A magic filter (`Has(F.text)`) checked in the event loop.

    aiogram runs plain magic filters through a worker thread (they are synchronous callables);
    on every update of the form that hop cost more than the check (performance.md).
    """

    def __init__(self, magic: MagicFilter) -> None:
        self._magic = magic

    async def __call__(self, event: TelegramObject) -> bool:
        return bool(self._magic.resolve(event))
