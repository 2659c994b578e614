"""A real HTTP server speaking the Telegram Bot API, so the real bot process can be tested end to end.

The bot reaches it through `TelegramAPIServer.from_base(fake.base_url)`: methods arrive as
`POST /bot<token>/<method>`, downloads as `GET /file/bot<token>/<file_path>`. State lives in
plain dicts on one `FakeTelegram` object; tests drive it with the `send_*`/`press_button`
coroutines and observe it through `calls`, `wait_for_call` and `wait_for_reply`.

This module is the HTTP table: which method runs which handler, and serving it; the handlers are in the
parts below it (state, files, chats, users, webhook).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web

from .objects import RecordedCall, TelegramError, Upload, bad_request
from .state import log
from .webhook import Webhook
from .wire import MalformedRequest, files_by_param, read_request


class FakeTelegram(Webhook):
    """One bot's view of Telegram: its chats, files, update queue and webhook."""

    @functools.cached_property
    def _handlers(self) -> dict[str, tuple[str, Callable[[dict[str, Any], dict[str, Upload]], Any]]]:
        """The HTTP table: each Bot API method and the handler that runs it."""
        handlers: dict[str, Callable[[dict[str, Any], dict[str, Upload]], Any]] = {
            "getMe": self._get_me,
            "getChat": self._get_chat,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendMediaGroup": self._send_media_group,
            "getFile": self._get_file,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "editMessageMedia": self._edit_message_media,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
        }
        # Telegram method names are case-insensitive; calls are recorded under the canonical name.
        return {name.lower(): (name, handler) for name, handler in handlers.items()}

    # ----------------------------------------------------------------- lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve on `host` (only this machine by default: the emulator has no authentication)."""
        self._closing = False
        self._client = aiohttp.ClientSession()
        app = web.Application(client_max_size=50 * 1024 * 1024)  # Telegram's upload limit
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_not_found)
        self._runner = web.AppRunner(app, shutdown_timeout=2.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"

    async def stop(self) -> None:
        self._closing = True
        await self._notify()  # long polls return at once instead of holding the shutdown
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ----------------------------------------------------------------- HTTP

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return await self._refuse(method, TelegramError(401, "Unauthorized"))
        try:
            params, uploads = await read_request(request)
        except MalformedRequest as error:
            return await self._refuse(method, bad_request(str(error)))
        status, body = await self._execute(method, params, uploads)
        return web.json_response(body, status=status)

    async def _handle_file(self, request: web.Request) -> web.Response:
        stored = self._files_by_path.get(request.match_info["path"])
        if request.match_info["token"] != self.token or stored is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return web.Response(body=stored.data, content_type="application/octet-stream")

    async def _handle_not_found(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)

    async def _execute(
        self, method: str, params: dict[str, Any], uploads: dict[str, Upload]
    ) -> tuple[int, dict[str, Any]]:
        """Run one method, record it, and give the HTTP status and body Telegram would answer."""
        name, handler = self._handlers.get(method.lower(), (method, None))
        call = RecordedCall(name, copy.deepcopy(params), files_by_param(params, uploads), None)
        # A long poll is recorded as soon as it arrives, so wait_for_call("getUpdates") means "the bot
        # is up and polling"; its result is filled in when it returns. Other calls appear when done.
        is_long_poll = handler == self._get_updates
        if is_long_poll:
            self.calls.append(call)
        else:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            chat = str(params.get("chat_id"))
            self.in_flight_to[chat] = self.in_flight_to.get(chat, 0) + 1
            self.most_in_flight_to_one_chat = max(self.most_in_flight_to_one_chat, self.in_flight_to[chat])
            if self.latency:
                await asyncio.sleep(self.latency / 2)
        try:
            self.limits.check(name, params)
            call.result = await handler(params, uploads) if handler else self._unknown_method(name, params)
            status, body = 200, {"ok": True, "result": call.result}
        except TelegramError as error:
            call.error = error.description
            status, body = error.code, error.body()
        except Exception as exc:  # noqa: BLE001 - input the fake did not foresee still gets a 400, not a dropped connection
            log.exception("emulator: %s failed on %r", name, params)
            failure = bad_request(f"{type(exc).__name__}: {exc}")
            call.error = failure.description
            status, body = failure.code, failure.body()
        if not is_long_poll:
            self.calls.append(call)
            self.in_flight -= 1
            self.in_flight_to[chat] -= 1
        await self._notify()
        if self.latency and not is_long_poll:
            await asyncio.sleep(self.latency / 2)
        return status, body

    async def _refuse(self, method: str, error: TelegramError) -> web.Response:
        """A request refused before its parameters could be read (wrong token, unreadable body)."""
        self.calls.append(RecordedCall(method, {}, {}, None, error.description))
        await self._notify()
        return web.json_response(error.body(), status=error.code)
