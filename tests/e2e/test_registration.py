"""The product's spine over a webhook: the real bot process, over HTTP, against the fake Bot API.

The same in English by long polling, in this process: tests/registration/test_conversation.py."""

from __future__ import annotations

import pytest

from bot.sandbox.emulator import FakeTelegram, FakeUser
from tests.e2e.harness import Person, inline_buttons, message_text

pytestmark = pytest.mark.e2e


async def test_registration_in_chinese_over_webhook(fake: FakeTelegram, start_bot, clean_database: str) -> None:
    await start_bot("webhook")
    li = Person(fake, FakeUser(id=2002, first_name="李", language_code="zh-hans"))

    await li.say("/start", expect="请选择语言")
    await li.press("中文", expect="隐私")
    await li.press("同意", expect="姓名")
    await li.say("李小龙", expect="国籍")
    await li.say("中国", expect="证件")
    await li.press("居民身份证", expect="号码")
    await li.say("110105194912310021", expect="校验")
    await li.say("11010519491231002X", expect="手机")
    await li.say("13800138000", expect="居住的区县")
    await li.say("海曙", expect="住址")  # typed without its suffix: 海曙区
    await li.say("海曙区中山西路 1 号", expect="宁波")
    await li.press("不", expect="抵达宁波的日期")
    tomorrow = inline_buttons(li.last_message_with_buttons())[1]["text"]
    await li.press(tomorrow, expect="14 天")
    await li.say("没有", expect="密切接触")  # typed, as explicit as the button
    await li.press("以上都没有", expect="告知")
    await li.press("以上都没有", expect="症状")
    await li.press("咳嗽")
    await li.press("完成", expect="体温")
    await li.say("37.5", expect="请核对")
    await li.press("提交", expect="黄码")
    caption = message_text(await li.expect("黄码"))
    assert "年" in caption and "月" in caption, "dates are formatted the Chinese way"
