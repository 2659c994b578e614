"""The webhook: setWebhook, its info, and delivering the queued updates to the bot by POST, retried."""

from __future__ import annotations

import asyncio
import re
import time
from abc import ABC, abstractmethod
from typing import Any

import aiohttp
from aiohttp import MultipartReader

from .objects import Upload, bad_request
from .state import log
from .users import Users
from .wire import MalformedRequest, parse_plain, read_multipart

_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Webhook(Users, ABC):
    """The webhook: setWebhook, its info, and delivering the queued updates to the bot by POST, retried."""

    # ----------------------------------------------------------------- webhook

    @abstractmethod
    async def _execute(
        self, method: str, params: dict[str, Any], uploads: dict[str, Upload]
    ) -> tuple[int, dict[str, Any]]:
        """Run one method as if it came over HTTP: a webhook reply may carry one. The HTTP table that runs
        methods is on top (`server.FakeTelegram`)."""

    async def _set_webhook(self, params: dict[str, Any], uploads: dict[str, Upload]) -> bool:
        url = params.get("url") or ""
        if not url:
            return await self._delete_webhook(params, uploads)
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            # Telegram demands https; plain http is allowed here so tests need no certificate.
            raise bad_request("bad webhook: HTTPS url must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not (isinstance(secret, str) and _SECRET_TOKEN.fullmatch(secret)):
            raise bad_request("secret token contains unallowed characters")
        self._set_allowed_updates(params)
        if params.get("drop_pending_updates"):
            self._pending.clear()
        self.webhook = {"url": url, "secret_token": secret}
        await self._restart_webhook_delivery()
        return True

    async def _delete_webhook(self, params: dict[str, Any], uploads: dict[str, Upload]) -> bool:
        if params.get("drop_pending_updates"):
            self._pending.clear()
        self.webhook = None
        await self._restart_webhook_delivery()
        return True

    async def _get_webhook_info(self, params: dict[str, Any], uploads: dict[str, Upload]) -> dict[str, Any]:
        info: dict[str, Any] = {"url": "", "has_custom_certificate": False, "pending_update_count": len(self._pending)}
        if self.webhook is not None:
            info.update(url=self.webhook["url"], max_connections=40)
            for key in ("last_error_date", "last_error_message"):
                if key in self.webhook:
                    info[key] = self.webhook[key]
        if self._explicit_allowed_updates is not None:
            info["allowed_updates"] = self._explicit_allowed_updates
        return info

    async def _restart_webhook_delivery(self) -> None:
        old = self._webhook_task
        # A webhook reply may itself call setWebhook/deleteWebhook from inside the delivery task;
        # that task then ends on its own at its next check instead of cancelling itself.
        if old is not None and old is not asyncio.current_task():
            old.cancel()
        self._webhook_task = None
        if self.webhook is not None and not self._closing:
            self._webhook_task = asyncio.create_task(self._deliver_webhook(self.webhook))
        await self._notify()

    async def _deliver_webhook(self, config: dict[str, Any]) -> None:
        """POST queued updates one at a time, in order, while this webhook config is current."""
        while True:
            async with self._changed:
                await self._changed.wait_for(lambda: self.webhook is not config or bool(self._deliverable()))
            if self.webhook is not config:
                return
            update = self._pending[0]
            await self._post_update(config, update)
            if update in self._pending:
                self._pending.remove(update)
            await self._notify()

    async def _post_update(self, config: dict[str, Any], update: dict[str, Any]) -> None:
        assert self._client is not None
        headers = {"X-Telegram-Bot-Api-Secret-Token": config["secret_token"]} if config["secret_token"] else {}
        for _ in range(self.webhook_max_attempts):
            try:
                async with self._client.post(
                    config["url"], json=update, headers=headers, timeout=aiohttp.ClientTimeout(total=10)
                ) as response:
                    if 200 <= response.status < 300:
                        await self._run_webhook_reply(response)
                        return
                    error = f"Wrong response from the webhook: {response.status} {response.reason}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = f"Connection failed: {type(exc).__name__}: {exc}"
            config.update(last_error_date=int(time.time()), last_error_message=error)
            await asyncio.sleep(self.webhook_retry_delay)
        log.warning("emulator: gave up delivering update %s to %s: %s", update["update_id"], config["url"], error)

    async def _run_webhook_reply(self, response: aiohttp.ClientResponse) -> None:
        """A webhook answer may carry one method call (aiogram's handle_in_background=False does)."""
        try:
            if response.content_type == "multipart/form-data":
                params, uploads = await read_multipart(MultipartReader(response.headers, response.content))
            else:
                params, uploads = parse_plain(response.content_type, await response.read()), {}
        except (MalformedRequest, aiohttp.ClientError) as error:
            # Telegram ignores a reply it cannot read; the update still counts as delivered.
            log.warning("emulator: ignoring unreadable webhook reply: %s", error)
            return
        method = params.pop("method", None)
        if isinstance(method, str) and method:
            await self._execute(method, params, uploads)
