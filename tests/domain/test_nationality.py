"""Nationality from what people type, to ISO 3166-1 alpha-2, and back to a name."""

from __future__ import annotations

import pytest
from babel import Locale

from bot.domain.nationality import InvalidNationality, nationality_name, parse_nationality


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("China", "CN"),
        ("china", "CN"),
        ("中国", "CN"),
        ("CN", "CN"),
        ("cn", "CN"),
        ("ＣＮ", "CN"),
        ("United Kingdom", "GB"),
        ("united  kingdom", "GB"),
        ("UK", "GB"),
        ("Britain", "GB"),
        ("英国", "GB"),
        ("英國", "GB"),
        ("USA", "US"),
        ("US", "US"),
        ("United States", "US"),
        ("美国", "US"),
        ("Korea", "KR"),
        ("South Korea", "KR"),
        ("韩国", "KR"),
        ("Germany", "DE"),
        ("德国", "DE"),
        ("cote d'ivoire", "CI"),
        ("Côte d’Ivoire", "CI"),
        ("Saint Lucia", "LC"),
        ("St Kitts and Nevis", "KN"),
        ("Hong Kong", "HK"),
        ("香港", "HK"),
        ("Macau", "MO"),
        ("Taiwan", "TW"),
        ("台湾", "TW"),
        ("Turkey", "TR"),
    ],
)
def test_country_names_and_codes(raw: str, code: str) -> None:
    assert parse_nationality(raw) == code


@pytest.mark.parametrize("raw", ["", "Mars", "Atlantis", "001", "150", "ZZ", "EU", "UN", "XK", "C", "Chinaa", "火星"])
def test_what_is_not_a_country_is_refused(raw: str) -> None:
    with pytest.raises(InvalidNationality):
        parse_nationality(raw)


def test_every_country_is_found_by_its_code_and_its_english_and_chinese_names() -> None:
    english, chinese = Locale("en").territories, Locale("zh").territories
    countries = [code for code in english if len(code) == 2 and code.isalpha()]
    found = 0
    for code in countries:
        try:
            assert parse_nationality(code) == code
        except InvalidNationality:
            continue  # not an ISO country (EU, UN, ZZ...)
        assert parse_nationality(english[code]) == code, english[code]
        assert parse_nationality(chinese[code]) == code, chinese[code]
        found += 1

    assert found == 249  # the ISO 3166-1 alpha-2 countries


@pytest.mark.parametrize(
    ("code", "locale", "name"),
    [
        ("GB", "en", "United Kingdom"),
        ("GB", "zh", "英国"),
        ("CN", "zh", "中国"),
        ("DE", "zh-Hans", "德国"),
        ("GB", "xx", "United Kingdom"),
        ("QQ", "en", "QQ"),
    ],
)
def test_nationality_names(code: str, locale: str, name: str) -> None:
    assert nationality_name(code, locale) == name
