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


# A Chinese government form: full-width punctuation after Chinese, one word for the code's colour (码色) and
# one for HR (人事部门), whatever the English says.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef"
HALF_WIDTH_AFTER_CHINESE = re.compile(rf"[{CJK}](?:</?[a-z]+>)?[:,()?!;]")
HALF_WIDTH_BEFORE_CHINESE = re.compile(rf"\((?:<[a-z]+>)?[{CJK}]")
HR_VARIANTS = re.compile(r"HR|人事人员|人力资源|人事处|人事部(?!门)")


def _zh_strings() -> list[tuple[str, str]]:
    return [(str(_forms(message.id)[0]), string) for message in _messages("zh") for string in _forms(message.string)]


def test_chinese_punctuation_after_chinese_is_full_width() -> None:
    assert HALF_WIDTH_AFTER_CHINESE.search("<b>姓名</b>:李伟") and HALF_WIDTH_BEFORE_CHINESE.search("(须与证件一致)")
    wrong = [
        (msgid, string)
        for msgid, string in _zh_strings()
        if HALF_WIDTH_AFTER_CHINESE.search(string) or HALF_WIDTH_BEFORE_CHINESE.search(string)
    ]
    assert not wrong, f"use ：，（）？！； after Chinese: {wrong[:3]}"


def test_the_codes_colour_is_码色_and_hr_is_人事部门() -> None:
    colour = [msgid for msgid, string in _zh_strings() if "颜色" in string]
    assert not colour, f"the code's colour is 码色, not 颜色: {colour[:3]}"
    hr = [(msgid, string) for msgid, string in _zh_strings() if HR_VARIANTS.search(string)]
    assert not hr, f"HR is 人事部门 everywhere: {hr[:3]}"


def test_no_spaces_around_an_organizations_chinese_name() -> None:
    spaced = [
        string
        for _msgid, string in _zh_strings()
        if re.search(rf"[{CJK}] (<b>)?\{{(organization|current)\}}|\{{(organization|current)\}}(</b>)? [{CJK}]", string)
    ]
    assert not spaced, f"您已加入宁波理工学院, not 您已加入 宁波理工学院: {spaced[:3]}"


@pytest.mark.parametrize(
    "msgid, expected",
    [
        ("What is your full name, as in your ID document?", "请输入您的姓名（须与证件一致）"),
        ("What is the number of that document?", "请输入证件号码"),
        ("What is your address there (street, building, room)?", "请输入您在宁波的详细住址（街道、楼栋、房号）"),
        ("Day {day} of {days} of normal daily check-ins.", "已连续正常打卡 {day} 天（满 {days} 天可转绿码）"),
    ],
)
def test_questions_are_requests_and_the_count_reads_as_a_form(msgid: str, expected: str) -> None:
    assert _catalog("zh")[msgid].string == expected


def test_chinese_examples_are_chinese_style() -> None:
    strings = dict(_zh_strings())
    assert "3月1日" in strings["On which date will you arrive in Ningbo? Press a date or type it, e.g. 2026-03-01."]
    fahrenheit = [msgid for msgid, string in strings.items() if re.search(r"\d\s*°?F\b", string)]
    assert not fahrenheit, f"no °F example in Chinese: {fahrenheit}"
