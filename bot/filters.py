"""Filters shared by several features."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from aiogram.filters import Filter
from aiogram.types import Message, TelegramObject
from aiogram.utils.i18n import I18n
from babel.support import LazyProxy
from magic_filter import MagicFilter


def squash(text: str) -> str:
    """Compare typed words loosely: no case, spaces, punctuation or emoji ("🔳 Show my code!" == "show my code")."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


# Several Words filters see each text (every router before the form's tries its own): the text is squashed
# once. Bounded, and only texts of up to 64 characters get here.
@functools.lru_cache(maxsize=512)
def _squashed(text: str) -> str:
    return squash(text)


@functools.lru_cache(maxsize=512)
def _squashed_without(fillers: re.Pattern[str], text: str) -> str:
    return squash(fillers.sub(" ", text.casefold()))


def filler_pattern(fillers: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern for words that only wrap a request ("please", "show me", "请", "出示"): English ones as
    whole words, Chinese ones (written without spaces) anywhere; the longest first, so "给我" goes before "我"."""
    alternatives = []
    for filler in sorted({filler.casefold() for filler in fillers}, key=len, reverse=True):
        escaped = re.escape(filler)
        alternatives.append(rf"\b{escaped}\b" if filler.isascii() else escaped)
    return re.compile("|".join(alternatives)) if alternatives else None


class Words(Filter):
    """Text that means one of `phrases` in any of the bot's languages (button labels included).

    With `fillers`, also a phrase wrapped in them: "show me my code please" and "出示我的健康码" ask for
    the code as "code" and "健康码" do. What is left must be a phrase exactly, so "my code is wrong" is not.
    """

    def __init__(self, *phrases: LazyProxy | str, fillers: Iterable[str] = ()) -> None:
        self._phrases = phrases
        self._known: frozenset[str] | None = None
        self._fillers = filler_pattern(fillers)

    async def __call__(self, message: Message, i18n: I18n) -> bool:
        # A forwarded message is someone else's words (an admin naming a person), never a request.
        if not message.text or len(message.text) > 64 or message.forward_origin is not None:
            return False
        if self._known is None:
            self._known = self._translations(i18n)
        if _squashed(message.text) in self._known:
            return True
        return self._fillers is not None and _squashed_without(self._fillers, message.text) in self._known

    def _translations(self, i18n: I18n) -> frozenset[str]:
        words: set[str] = set()
        # A lazy phrase is read in each language in turn, with this I18n current (as it may not be yet when
        # the filter first runs: in a test, or in an outer middleware).
        with i18n.context():
            for phrase in self._phrases:
                if isinstance(phrase, LazyProxy):
                    for locale in (i18n.default_locale, *i18n.available_locales):
                        with i18n.use_locale(locale):
                            words.add(squash(str(phrase)))
                else:
                    words.add(squash(phrase))
        return frozenset(word for word in words if word)


class Has(Filter):
    """A magic filter (`Has(F.text)`) checked in the event loop.

    aiogram runs plain magic filters through a worker thread (they are synchronous callables);
    on every update of the form that hop cost more than the check (docs/performance.md).
    """

    def __init__(self, magic: MagicFilter) -> None:
        self._magic = magic

    async def __call__(self, event: TelegramObject) -> bool:
        return bool(self._magic.resolve(event))
