from __future__ import annotations

from typing import Any

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18nMiddleware

from bot.accounts import Account
from bot.i18n import locale_for_telegram_language


class LocaleMiddleware(I18nMiddleware):
    """The stored choice wins, then Telegram's language (nothing is stored before the privacy agreement).

    The chosen locale is also handed to handlers as `locale`, for dates and for storing the choice.
    """

    async def __call__(self, handler: Any, event: TelegramObject, data: dict[str, Any]) -> Any:
        locale = await self.get_locale(event=event, data=data)
        data["locale"] = locale
        data["i18n"] = self.i18n
        with self.i18n.context(), self.i18n.use_locale(locale):
            return await handler(event, data)

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        account: Account | None = data.get("account")
        if account is not None:
            return account.language
        user: User | None = data.get("event_from_user")
        return locale_for_telegram_language(user.language_code if user else None)
