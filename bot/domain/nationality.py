"""Nationality typed as a country name (English or Chinese) or code, stored as ISO 3166-1 alpha-2.

Country names come from CLDR through Babel, so they match what the bot shows back.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType

from babel import Locale, UnknownLocaleError

# Traditional characters too: people from Hong Kong, Macao and Taiwan type them.
NAME_LOCALES = ("en", "zh", "zh_Hant")
FALLBACK_LOCALE = "en"
# CLDR writes "St. Lucia"; people also type "Saint Lucia".
_SAINT = re.compile(r"\bsaint\b")

# CLDR territories with letter codes that are not countries in ISO 3166-1 (unions, pseudo-locales,
# exceptionally reserved or user-assigned codes).
_NOT_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"})

# What people type that CLDR does not call the country.
_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "UK": "GB",
        "Britain": "GB",
        "Great Britain": "GB",
        "England": "GB",
        "Scotland": "GB",
        "Wales": "GB",
        "Northern Ireland": "GB",
        "British": "GB",
        "USA": "US",
        "America": "US",
        "United States of America": "US",
        "American": "US",
        "Korea": "KR",
        "Republic of Korea": "KR",
        "Korean": "KR",
        "南韩": "KR",
        "Chinese": "CN",
        "PRC": "CN",
        "People's Republic of China": "CN",
        "Mainland China": "CN",
        "中华人民共和国": "CN",
        "中華人民共和國": "CN",
        "中国大陆": "CN",
        "Hong Kong": "HK",
        "香港": "HK",
        "Macau": "MO",
        "Macao": "MO",
        "澳门": "MO",
        "澳門": "MO",
        "臺灣": "TW",
        "台灣": "TW",
        "Russian Federation": "RU",
        "Czech Republic": "CZ",
        "Holland": "NL",
        "Ivory Coast": "CI",
        "Viet Nam": "VN",
        "Burma": "MM",
        "Deutschland": "DE",
        "Turkey": "TR",
        "Swaziland": "SZ",
        "Macedonia": "MK",
    }
)


class InvalidNationality(ValueError):
    pass


def parse_nationality(raw: str) -> str:
    """The alpha-2 code of the country `raw` names ("China", "中国", "cn", "UK", "英国"); raises InvalidNationality.

    Case, spaces, punctuation and accents do not matter ("cote d'ivoire" finds Côte d’Ivoire).
    """
    text = unicodedata.normalize("NFKC", raw).strip()
    if len(text) == 2 and text.isascii() and text.upper() in _countries():
        return text.upper()
    code = _codes_by_name().get(_name_key(text))
    if code is None:
        raise InvalidNationality(raw)
    return code


def nationality_name(code: str, locale: str) -> str:
    """The country's name in `locale` (English when the locale is unknown); the code itself if not a country."""
    return _names(_locale_or_fallback(locale)).get(code, code)


def _name_key(text: str) -> str:
    text = _SAINT.sub("st", text.casefold().replace("&", " and "))
    decomposed = unicodedata.normalize("NFKD", text)
    # Letters of any script stay (Chinese names); accents, spaces and punctuation go.
    return "".join(character for character in decomposed if character.isalnum())


@functools.cache
def _countries() -> frozenset[str]:
    return frozenset(
        code
        for code in Locale.parse(FALLBACK_LOCALE).territories
        if isinstance(code, str) and len(code) == 2 and code.isascii() and code.isalpha() and code not in _NOT_COUNTRIES
    )


@functools.cache
def _names(locale: str) -> Mapping[str, str]:
    territories = Locale.parse(locale).territories
    return MappingProxyType({code: territories[code] for code in _countries() if code in territories})


@functools.cache
def _codes_by_name() -> Mapping[str, str]:
    lookup: dict[str, str] = {}
    for locale in NAME_LOCALES:
        for code, name in _names(locale).items():
            lookup.setdefault(_name_key(name), code)
    for alias, code in _ALIASES.items():
        lookup[_name_key(alias)] = code
    return MappingProxyType(lookup)


@functools.cache
def _locale_or_fallback(locale: str) -> str:
    candidate = locale.split(".")[0].replace("-", "_")
    try:
        Locale.parse(candidate)
    except (UnknownLocaleError, ValueError):
        return FALLBACK_LOCALE
    return candidate
