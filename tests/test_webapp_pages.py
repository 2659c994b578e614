"""The Mini App's static pages, read as files: what the browser tests cannot see at a glance.

Their policy (CSP, served by the bot) allows scripts from this origin and Telegram's only, and no inline
script or style; every label they show comes from the server's `page_texts()`, in both languages; and the
sandbox's stand-in signs initData exactly as Telegram does, so the bot's own check accepts it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiogram.utils.i18n import I18n
from aiogram.utils.web_app import safe_parse_webapp_init_data

from bot.sandbox.emulator import FakeUser
from bot.sandbox.miniapp import sign_init_data
from bot.sandbox.people import PEOPLE
from bot.webapp.texts import page_texts

STATIC = Path(__file__).resolve().parents[1] / "bot" / "webapp" / "static"
LOCALES = Path(__file__).resolve().parents[1] / "locales"
TOKEN = "7000000000:test-token"
PAGES = ("code.html", "scan.html")


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in STATIC.iterdir():
        text = path.read_text(encoding="utf-8")
        keys |= set(re.findall(r'\bt\("([a-z_]+)"\)', text)) | set(re.findall(r'data-text="([a-z_]+)"', text))
    return keys


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_label_the_pages_show_comes_from_the_server_in_both_languages(language: str) -> None:
    i18n = I18n(path=LOCALES, default_locale="en", domain="messages")
    with i18n.context(), i18n.use_locale(language):
        texts = page_texts()
    missing = used_keys() - texts.keys()
    assert not missing, f"the pages use labels page_texts() does not send: {sorted(missing)}"
    assert all(value.strip() for value in texts.values())
    if language == "zh":
        english = {key for key, value in texts.items() if re.fullmatch(r"[\x00-\x7f]+", value)}
        assert not english, f"untranslated: {sorted(english)}"


@pytest.mark.parametrize("page", PAGES)
def test_the_pages_need_nothing_their_policy_forbids(page: str) -> None:
    html = (STATIC / page).read_text(encoding="utf-8")
    sources = re.findall(r"<script\b([^>]*)>", html)
    assert sources and all("src=" in attributes for attributes in sources), "no inline script"
    for attributes in sources:
        source = re.search(r'src="([^"]+)"', attributes)
        assert source is not None
        assert source.group(1).startswith(("/app/static/", "https://telegram.org/js/")), source.group(1)
    assert not re.search(r"\sstyle=", html), "no inline style"
    assert not re.search(r"\son[a-z]+=", html), "no inline event handler"
    for path in STATIC.glob("*.js"):
        script = path.read_text(encoding="utf-8")
        # Server text (names, reasons) goes in with textContent: no markup is ever parsed from it.
        assert not re.search(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|\beval\(|new Function", script), path.name


def test_the_sandbox_signs_init_data_as_telegram_does() -> None:
    user = PEOPLE[0].user
    signed = sign_init_data(TOKEN, user, datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    parsed = safe_parse_webapp_init_data(TOKEN, signed)
    assert parsed.user is not None and parsed.user.id == user.id
    assert parsed.user.language_code == user.language_code
    assert parsed.auth_date == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "forge",
    [
        lambda signed: signed.replace("700000001", "700000003"),
        lambda signed: sign_init_data("7000000000:another-token", FakeUser(700000001, "李伟"), datetime.now(UTC)),
        lambda signed: re.sub(r"hash=[0-9a-f]+", "hash=" + "0" * 64, signed),
    ],
    ids=["another-person", "another-bot", "made-up-hash"],
)
def test_forged_init_data_fails_the_bots_check(forge: Callable[[str], str]) -> None:
    signed = sign_init_data(TOKEN, FakeUser(700000001, "李伟", None, "liwei", "zh"), datetime.now(UTC))
    with pytest.raises(ValueError):
        safe_parse_webapp_init_data(TOKEN, forge(signed))
