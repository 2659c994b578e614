"""The catalogs: every string translated into Chinese, same placeholders and HTML, compiling, up to date."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, SUPPORTED_LOCALES

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "__": None, "N_": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
TAG = re.compile(r"</?([a-z]+)[^>]*>")


def _catalog(locale: str):
    with open(LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


def _messages(locale: str):
    return [message for message in _catalog(locale) if message.id]


def _source_msgids() -> set[str]:
    found = extract_from_dir(str(ROOT / "bot"), method_map=[("**.py", "python")], keywords=KEYWORDS)
    return {
        message if isinstance(message, str) else message[0]
        for _filename, _lineno, message, _comments, _context in found
        if message
    }


def _forms(value: str | tuple[str, ...]) -> tuple[str, ...]:
    """A plural message's id and string are tuples (singular, plural; one form per plural of the language)."""
    return value if isinstance(value, tuple) else (value,)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalog_covers_every_string_in_the_code(locale: str) -> None:
    in_catalog = {_forms(message.id)[0] for message in _messages(locale)}
    missing = sorted(_source_msgids() - in_catalog)
    assert not missing, f"run `make extract-messages` and translate: {missing[:5]}"


def test_every_chinese_translation_is_present_and_final() -> None:
    untranslated = [message.id for message in _messages("zh") if not all(_forms(message.string)) or message.fuzzy]
    assert not untranslated, f"untranslated or fuzzy in zh: {untranslated[:5]}"


@pytest.mark.parametrize("message", _messages("zh"), ids=lambda message: str(_forms(message.id)[0])[:40])
def test_chinese_keeps_placeholders_and_tags(message) -> None:
    source = _forms(message.id)[-1]
    for string in _forms(message.string):
        assert sorted(PLACEHOLDER.findall(string)) == sorted(PLACEHOLDER.findall(source))
        assert TAG.findall(string) == TAG.findall(source)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalog_compiles(locale: str) -> None:
    catalog = _catalog(locale)
    assert not list(catalog.check()), f"format errors in {locale}"
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    assert buffer.getvalue().startswith(b"\xde\x12\x04\x95")
