"""A real HTTP server speaking the Telegram Bot API, so the real bot process can be tested end to end.

The bot reaches it through `TelegramAPIServer.from_base(fake.base_url)`: methods arrive as
`POST /bot<token>/<method>`, downloads as `GET /file/bot<token>/<file_path>`. State lives in
plain dicts on one `FakeTelegram` object; tests drive it with the `send_*`/`press_button`
coroutines and observe it through `calls`, `wait_for_call` and `wait_for_reply`.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import io
import logging
import mimetypes
import re
import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar

import aiohttp
from aiohttp import MultipartReader, web
from PIL import Image

from .formatting import EntityParseError, parse_html, strip_text
from .limits import Limits, RateLimit
from .objects import (
    DEFAULT_UPDATE_TYPES,
    FakeUser,
    RecordedCall,
    StoredFile,
    TelegramError,
    Upload,
    bad_request,
    command_entities,
    find_button,
    public_message,
    update_type,
)
from .wire import MalformedRequest, files_by_param, int_param, parse_plain, read_multipart, read_request, upload_for

log = logging.getLogger("bot.sandbox.emulator")
# What a wait looks for: a recorded call, a message.
_Found = TypeVar("_Found")

# Buttons that do something; Telegram rejects an inline button carrying only text.
_BUTTON_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_LANGUAGE_CODE = re.compile(r"[a-z]{2}")

MAX_TEXT = 4096
MAX_CAPTION = 1024
THUMBNAIL_SIDE = 90  # Telegram's smallest photo size ("s")

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same"
    " as a current content and reply markup of the message"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
POLLING_CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"


class FakeTelegram:
    """One bot's view of Telegram: its chats, files, update queue and webhook."""

    def __init__(
        self,
        token: str = "123456:TEST",
        bot_username: str = "health_code_test_bot",
        *,
        bot_first_name: str = "Health Code Test Bot",
        webhook_max_attempts: int = 20,
        webhook_retry_delay: float = 0.25,
        rate_limit: RateLimit | None = None,
    ) -> None:
        self.token = token
        self.bot_user = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.webhook_max_attempts = webhook_max_attempts
        self.webhook_retry_delay = webhook_retry_delay
        # Flood limits (429) and arranged faults, checked before a method runs; off unless asked for.
        self.limits = Limits(rate_limit)
        self.base_url = ""
        self.calls: list[RecordedCall] = []
        # {"url", "secret_token"} while a webhook is set, plus the last delivery error if any.
        self.webhook: dict[str, Any] | None = None
        # (scope key, language_code) -> commands; scope key is e.g. "default" or "chat:42".
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        # chat_id (None for the bot's default) -> MenuButton
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}

        self._users: dict[int, FakeUser] = {}
        self._blocked: set[int] = set()
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}  # (chat_id, message_id), in send order
        self._last_message_id: dict[int, int] = {}
        self._reply_keyboards: dict[int, dict[str, Any]] = {}
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._photo_sizes: dict[str, list[str]] = {}  # file_id of any size -> file_ids of all sizes
        self._file_counter = 0
        self._pending: list[dict[str, Any]] = []
        self._last_update_id = 100_000
        self._allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self._explicit_allowed_updates: list[str] | None = None
        self._callback_queries: dict[str, bool] = {}  # id -> answered
        self._query_chats: dict[str, int] = {}  # id -> the chat whose button was pressed
        # Called with each change a chat client would show (see `observe`).
        self._observers: list[Callable[[dict[str, Any]], None]] = []
        self._query_counter = 0
        self._poller = 0  # bumped by each getUpdates; an older poll still waiting gets a 409
        # One condition for every change (new call, update queued or confirmed, webhook, shutdown):
        # waiters re-check their own predicate, which keeps the waiting code in one shape.
        self._changed = asyncio.Condition()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._webhook_task: asyncio.Task[None] | None = None

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
        self._handlers = {name.lower(): (name, handler) for name, handler in handlers.items()}

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

    # ----------------------------------------------------------------- test side: users act

    def add_user(self, user: FakeUser) -> None:
        """Let the bot write to `user` before they wrote first (Telegram: "chat not found" otherwise)."""
        self._users[user.id] = user

    def set_blocked(self, user: FakeUser, blocked: bool = True) -> None:
        """While blocked, sending to the user answers 403 "Forbidden: bot was blocked by the user"."""
        if blocked:
            self._blocked.add(user.id)
        else:
            self._blocked.discard(user.id)

    async def send_message(
        self, user: FakeUser, text: str, *, reply_to: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        if entities := command_entities(text):
            content["entities"] = entities
        if reply_to is not None:
            content["reply_to_message"] = public_message(self._stored_message(reply_to))
        return await self._user_sends(user, content)

    async def send_sticker(self, user: FakeUser, emoji: str = "👍") -> dict[str, Any]:
        # The bytes are never looked at; a sticker only needs to exist as a file.
        sticker = self._new_file("sticker", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp", {})
        content = {
            "sticker": {
                **sticker.to_dict(),
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": emoji,
            }
        }
        return await self._user_sends(user, content)

    async def send_photo(self, user: FakeUser, image: bytes, caption: str | None = None) -> dict[str, Any]:
        """The user sends a picture; the bot can getFile/download any of its sizes."""
        content: dict[str, Any] = {"photo": [size.to_dict() for size in self._store_photo(image)]}
        if caption:
            content["caption"] = caption
        return await self._user_sends(user, content)

    async def send_document(
        self,
        user: FakeUser,
        data: bytes,
        file_name: str = "document.pdf",
        *,
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> dict[str, Any]:
        document = self._store_document(data, file_name, mime_type)
        content: dict[str, Any] = {"document": document.to_dict()}
        if caption:
            content["caption"] = caption
        return await self._user_sends(user, content)

    async def send_contact(
        self,
        user: FakeUser,
        phone_number: str,
        contact_user_id: int | None,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> dict[str, Any]:
        """A shared contact: user_id is the sender's own id when they press a request_contact button."""
        contact: dict[str, Any] = {"phone_number": phone_number, "first_name": first_name or user.first_name}
        if last_name is not None:
            contact["last_name"] = last_name
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        return await self._user_sends(user, {"contact": contact})

    async def forward_message(self, user: FakeUser, original_sender: FakeUser, text: str) -> dict[str, Any]:
        """`user` forwards to the bot a text message that `original_sender` wrote (forward_origin "user")."""
        origin = {"type": "user", "date": int(time.time()) - 60, "sender_user": original_sender.to_dict()}
        return await self._user_sends(user, {"text": text, "forward_origin": origin})

    async def forward_hidden_message(self, user: FakeUser, sender_name: str, text: str) -> dict[str, Any]:
        """As `forward_message`, from someone whose privacy settings hide their account: only a name is given."""
        origin = {"type": "hidden_user", "date": int(time.time()) - 60, "sender_user_name": sender_name}
        return await self._user_sends(user, {"text": text, "forward_origin": origin})

    async def press_button(self, user: FakeUser, message: dict[str, Any], callback_data: str) -> dict[str, Any]:
        """A callback_query for a bot message; callback_data is not checked, so forged data can be tested."""
        stored = self._stored_message(message)
        self._query_counter += 1
        query_id = f"{self._query_counter}{secrets.randbelow(10**9):09d}"
        self._callback_queries[query_id] = False
        self._query_chats[query_id] = stored["chat"]["id"]
        query = {
            "id": query_id,
            "from": user.to_dict(),
            "message": public_message(stored),
            "chat_instance": f"-{stored['chat']['id']}",
            "data": callback_data,
        }
        return await self._queue_update({"callback_query": query})

    find_button = staticmethod(find_button)

    # ----------------------------------------------------------------- test side: observe

    def mark(self) -> int:
        """Index for `after=`: only calls made from now on count."""
        return len(self.calls)

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[RecordedCall], bool] | None = None,
        timeout: float = 10.0,
        after: int = 0,
    ) -> RecordedCall:
        """The first call to `method` at index >= after matching `predicate` (failed calls included)."""

        def find() -> RecordedCall | None:
            for call in self.calls[after:]:
                if call.method.lower() == method.lower() and (predicate is None or predicate(call)):
                    return call
            return None

        return await self._wait(find, timeout, f"no matching {method} call", after)

    async def wait_for_reply(self, user: FakeUser | int, after: int = 0, timeout: float = 10.0) -> dict[str, Any]:
        """The next message the bot sent (or edited text/caption/media of) in the user's chat.

        A snapshot as of that call, with reply_markup as the bot sent it (a reply keyboard too,
        which Telegram itself does not echo back).
        """
        chat_id = user.id if isinstance(user, FakeUser) else user

        def find() -> dict[str, Any] | None:
            for call in self.calls[after:]:
                if _is_reply(call) and call.result["chat"]["id"] == chat_id:
                    message: dict[str, Any] = copy.deepcopy(call.result)
                    if isinstance(call.params.get("reply_markup"), dict):
                        message["reply_markup"] = call.params["reply_markup"]
                    return message
            return None

        return await self._wait(find, timeout, f"no reply in chat {chat_id}", after)

    async def wait_until_idle(self, timeout: float = 10.0) -> None:
        """Every queued update was delivered and confirmed (by getUpdates offset or webhook 2xx)."""
        await self._wait(lambda: True if not self._pending else None, timeout, "updates still pending", self.mark())

    def chat_messages(self, chat_id: FakeUser | int) -> list[dict[str, Any]]:
        """The bot's messages in a chat as they are now (after edits, without deleted ones)."""
        chat_id = chat_id.id if isinstance(chat_id, FakeUser) else chat_id
        return [
            copy.deepcopy(message)
            for (chat, _), message in self._messages.items()
            if chat == chat_id and message["from"]["id"] == self.bot_user["id"]
        ]

    def reply_keyboard(self, chat_id: FakeUser | int) -> dict[str, Any] | None:
        """The reply keyboard the user currently sees, until the bot sends remove_keyboard."""
        chat_id = chat_id.id if isinstance(chat_id, FakeUser) else chat_id
        return copy.deepcopy(self._reply_keyboards.get(chat_id))

    def file_bytes(self, file_id: str) -> bytes:
        if file_id not in self._files:
            raise LookupError(f"no file with file_id {file_id!r}")
        return self._files[file_id].data

    def my_commands(self, language_code: str = "", scope: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """What setMyCommands stored for exactly this scope and language ([] if nothing)."""
        key = (_scope_key(scope or {"type": "default"}), language_code)
        return copy.deepcopy(self.commands.get(key, []))

    # ----------------------------------------------------------------- chat clients observe

    def observe(self, callback: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
        """Call `callback` with each change a chat client shows; returns the function that stops it.

        Events: {"type": "message" | "edited", "chat_id", "message_id"}, {"type": "deleted", "chat_id",
        "message_id"}, {"type": "keyboard", "chat_id"}, {"type": "action", "chat_id", "action"} (typing…),
        {"type": "answer", "chat_id", "text", "show_alert"} (a button's pop-up). Read the state itself
        with `chat_history`, `message` and `reply_keyboard`.
        """
        self._observers.append(callback)
        return lambda: self._observers.remove(callback) if callback in self._observers else None

    def chat_history(self, chat_id: FakeUser | int) -> list[dict[str, Any]]:
        """Both sides of a private chat as they are now, oldest first, as the bot sent them (keyboards too)."""
        chat_id = chat_id.id if isinstance(chat_id, FakeUser) else chat_id
        return [copy.deepcopy(message) for (chat, _), message in self._messages.items() if chat == chat_id]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        message = self._messages.get((chat_id, message_id))
        return copy.deepcopy(message) if message is not None else None

    def stored_file(self, file_id: str) -> StoredFile | None:
        return self._files.get(file_id)

    def _emit(self, event: dict[str, Any]) -> None:
        for observer in list(self._observers):
            try:
                observer(event)
            except Exception:  # noqa: BLE001 - a broken client must not break the bot's request
                log.exception("emulator: an observer failed on %s", event.get("type"))

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
        await self._notify()
        return status, body

    async def _refuse(self, method: str, error: TelegramError) -> web.Response:
        """A request refused before its parameters could be read (wrong token, unreadable body)."""
        self.calls.append(RecordedCall(method, {}, {}, None, error.description))
        await self._notify()
        return web.json_response(error.body(), status=error.code)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _wait(self, find: Callable[[], _Found | None], timeout: float, what: str, after: int) -> _Found:
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: find() is not None), timeout)
            except TimeoutError:
                seen = [
                    f"{call.method}({_brief(call.params)}){'' if call.ok else ' -> ' + str(call.error)}"
                    for call in self.calls[after:]
                ]
                raise TimeoutError(f"{what} within {timeout}s; calls since mark {after}: {seen}") from None
            found = find()
        assert found is not None, "found under the lock just now"
        return found

    # ----------------------------------------------------------------- updates

    async def _user_sends(self, user: FakeUser, content: dict[str, Any]) -> dict[str, Any]:
        self.add_user(user)
        message = self._store_message(user, user.to_dict(), content)
        self._emit({"type": "message", "chat_id": user.id, "message_id": message["message_id"]})
        return await self._queue_update({"message": copy.deepcopy(message)})

    async def _queue_update(self, body: dict[str, Any]) -> dict[str, Any]:
        self._last_update_id += 1
        update = {"update_id": self._last_update_id, **body}
        self._pending.append(update)
        await self._notify()
        return copy.deepcopy(update)

    def _deliverable(self) -> list[dict[str, Any]]:
        # Telegram never sends kinds outside allowed_updates; they are dropped, not kept for later.
        self._pending = [update for update in self._pending if update_type(update) in self._allowed_updates]
        return self._pending

    def _set_allowed_updates(self, params: dict[str, Any]) -> None:
        allowed = params.get("allowed_updates")
        if allowed is None:
            return  # Telegram keeps the previous setting
        if not isinstance(allowed, list) or not all(isinstance(kind, str) for kind in allowed):
            raise bad_request("can't parse allowed updates")
        self._explicit_allowed_updates = allowed
        self._allowed_updates = frozenset(allowed) or DEFAULT_UPDATE_TYPES

    async def _get_updates(self, params: dict[str, Any], uploads: dict[str, Upload]) -> list[dict[str, Any]]:
        offset = int_param(params, "offset", 0)
        limit = min(max(int_param(params, "limit", 100), 1), 100)
        timeout = max(int_param(params, "timeout", 0), 0)
        self._set_allowed_updates(params)
        if self.webhook is not None:
            raise TelegramError(409, WEBHOOK_CONFLICT)
        # The offset confirms everything before it; a negative one keeps only the last -offset.
        if offset > 0:
            self._pending = [update for update in self._pending if update["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]
        self._poller += 1
        me = self._poller
        await self._notify()

        def ready() -> bool:
            return bool(self._closing or self.webhook or self._poller != me or self._deliverable())

        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait_for(ready), timeout)
        if self._poller != me:
            raise TelegramError(409, POLLING_CONFLICT)
        if self.webhook is not None:
            raise TelegramError(409, WEBHOOK_CONFLICT)
        return copy.deepcopy(self._deliverable()[:limit])

    # ----------------------------------------------------------------- webhook

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

    # ----------------------------------------------------------------- simple methods

    async def _get_me(self, params: dict[str, Any], uploads: dict[str, Upload]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_chat(self, params: dict[str, Any], uploads: dict[str, Upload]) -> dict[str, Any]:
        """A person's private chat as it is now (their current @username); blocking the bot does not hide it."""
        chat_id = params.get("chat_id")
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            user = next((u for u in self._users.values() if u.username and f"@{u.username}" == chat_id), None)
        else:
            user = self._users.get(int_param(params, "chat_id")) if chat_id not in (None, "") else None
        if user is None:
            raise bad_request("chat not found")
        gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription", "gifts_from_channels")
        return {
            **user.chat(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys(gifts, False),
        }

    def _unknown_method(self, name: str, params: dict[str, Any]) -> Any:
        # aiogram parses a send* result as a Message; a bare one in the right chat keeps it happy.
        if name.lower().startswith("send") and "chat_id" in params:
            message = self._store_message(self._chat(params), self.bot_user, {})
            self._emit({"type": "message", "chat_id": message["chat"]["id"], "message_id": message["message_id"]})
            return public_message(message)
        return True

    async def _answer_callback_query(self, params: dict[str, Any], uploads: dict[str, Upload]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if self._callback_queries.get(query_id, True):  # unknown or already answered
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        self._callback_queries[query_id] = True
        text = params.get("text")
        if isinstance(text, str) and text:
            if len(text) > 200:
                raise bad_request("MESSAGE_TOO_LONG")
            chat_id = self._query_chats.get(query_id)
            self._emit(
                {"type": "answer", "chat_id": chat_id, "text": text, "show_alert": bool(params.get("show_alert"))}
            )
        return True

    async def _send_chat_action(self, params: dict[str, Any], uploads: dict[str, Upload]) -> bool:
        chat = self._chat(params)
        action = params.get("action")
        if not isinstance(action, str) or not action:
            raise bad_request("wrong parameter action in request")
        self._emit({"type": "action", "chat_id": chat.id, "action": action})
        return True

    async def _set_my_commands(self, params: dict[str, Any], uploads: dict[str, Upload]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or not all(isinstance(command, dict) for command in commands):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command.get("command"), str) or not _COMMAND_NAME.fullmatch(command["command"]):
                raise bad_request("BOT_COMMAND_INVALID")
            if not isinstance(command.get("description"), str) or not 1 <= len(command["description"]) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params)
        if commands:
            self.commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
        else:
            self.commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: dict[str, Any], uploads: dict[str, Upload]) -> list[dict[str, Any]]:
        return copy.deepcopy(self.commands.get(self._commands_key(params), []))

    async def _delete_my_commands(self, params: dict[str, Any], uploads: dict[str, Upload]) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    def _commands_key(self, params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
            raise bad_request("can't parse BotCommandScope JSON object")
        language = params.get("language_code") or ""
        if not isinstance(language, str) or (language and not _LANGUAGE_CODE.fullmatch(language)):
            raise bad_request("invalid language code specified")
        return _scope_key(scope), language

    async def _set_chat_menu_button(self, params: dict[str, Any], uploads: dict[str, Upload]) -> bool:
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or not isinstance(button.get("type"), str):
            raise bad_request("can't parse menu button JSON object")
        chat_id = int_param(params, "chat_id", None)
        self.menu_buttons[chat_id] = button
        return True

    async def _get_chat_menu_button(self, params: dict[str, Any], uploads: dict[str, Upload]) -> dict[str, Any]:
        chat_id = int_param(params, "chat_id", None)
        default = self.menu_buttons.get(None, {"type": "default"})
        return copy.deepcopy(self.menu_buttons.get(chat_id, default))

    # ----------------------------------------------------------------- sending

    async def _send_message(self, params: dict[str, Any], uploads: dict[str, Upload]) -> dict[str, Any]:
        chat = self._chat(params)
        text, entities = self._formatted(params, "text", "entities")
        if not text:
            raise bad_request("message text is empty")
        if len(text) > MAX_TEXT:
            raise bad_request("message is too long")
        return self._bot_sends(chat, _content(text=text, entities=entities), params)

    async def _send_photo(self, params: dict[str, Any], uploads: dict[str, Upload]) -> dict[str, Any]:
        chat = self._chat(params)
        photo = self._photo_from(params, uploads, "photo")
        return self._bot_sends(chat, {"photo": photo, **self._caption(params)}, params)

    async def _send_document(self, params: dict[str, Any], uploads: dict[str, Upload]) -> dict[str, Any]:
        chat = self._chat(params)
        document = self._document_from(params, uploads, "document")
        return self._bot_sends(chat, {"document": document, **self._caption(params)}, params)

    def _bot_sends(self, chat: FakeUser, content: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        # Everything is checked before the message is stored, so a 400 leaves no trace in the chat.
        markup = _checked_markup(params.get("reply_markup"))
        reply_to = self._replied_message(chat, params)
        message = self._store_message(chat, self.bot_user, content)
        if reply_to is not None:
            message["reply_to_message"] = public_message(reply_to)
        if markup is not None:
            message["reply_markup"] = markup
            if "keyboard" in markup:
                self._reply_keyboards[chat.id] = markup
            elif markup.get("remove_keyboard"):
                self._reply_keyboards.pop(chat.id, None)
        self._emit({"type": "message", "chat_id": chat.id, "message_id": message["message_id"]})
        if markup is not None and ("keyboard" in markup or markup.get("remove_keyboard")):
            self._emit({"type": "keyboard", "chat_id": chat.id})
        return public_message(message)

    def _store_message(self, chat: FakeUser, sender: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
        message_id = self._last_message_id.get(chat.id, 0) + 1
        self._last_message_id[chat.id] = message_id
        message = {
            "message_id": message_id,
            "from": dict(sender),
            "chat": chat.chat(),
            "date": int(time.time()),
            **content,
        }
        self._messages[(chat.id, message_id)] = message
        return message

    def _chat(self, params: dict[str, Any]) -> FakeUser:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            user = next((u for u in self._users.values() if u.username and f"@{u.username}" == chat_id), None)
        else:
            user = self._users.get(int_param(params, "chat_id"))
        if user is None:
            raise bad_request("chat not found")
        if user.id in self._blocked:
            raise TelegramError(403, "Forbidden: bot was blocked by the user")
        return user

    def _replied_message(self, chat: FakeUser, params: dict[str, Any]) -> dict[str, Any] | None:
        reply = params.get("reply_parameters")
        if reply is None and params.get("reply_to_message_id") is not None:
            reply = {
                "message_id": params["reply_to_message_id"],
                "allow_sending_without_reply": params.get("allow_sending_without_reply"),
            }
        if reply is None:
            return None
        if not isinstance(reply, dict):
            raise bad_request("can't parse reply parameters JSON object")
        replied = self._messages.get((chat.id, int_param(reply, "message_id")))
        if replied is None and not reply.get("allow_sending_without_reply"):
            raise bad_request("message to be replied not found")
        return replied

    def _formatted(self, params: dict[str, Any], key: str, entities_key: str) -> tuple[str, list[dict[str, Any]]]:
        raw = params.get(key)
        if raw is None:
            return "", []
        text = str(raw)
        parse_mode = params.get("parse_mode")
        if isinstance(parse_mode, str) and parse_mode.lower() == "html":
            try:
                text, entities = parse_html(text)
            except EntityParseError as error:
                raise bad_request(f"can't parse entities: {error}") from None
        else:
            entities = params.get(entities_key) or []
            if not isinstance(entities, list) or not all(
                isinstance(e, dict) and "offset" in e and "length" in e for e in entities
            ):
                raise bad_request("can't parse entities JSON object")
        return strip_text(text, entities)

    def _caption(self, params: dict[str, Any]) -> dict[str, Any]:
        caption, entities = self._formatted(params, "caption", "caption_entities")
        if len(caption) > MAX_CAPTION:
            raise bad_request("message caption is too long")
        return _content(caption=caption, caption_entities=entities)

    # ----------------------------------------------------------------- files

    def _photo_from(self, params: dict[str, Any], uploads: dict[str, Upload], key: str) -> list[dict[str, Any]]:
        upload = upload_for(params, uploads, key)
        if upload is not None:
            sizes = self._store_photo(upload.data)
        else:
            known = self._known_file(params[key], "photo")
            sizes = [self._files[file_id] for file_id in self._photo_sizes[known.file_id]]
        return [size.to_dict() for size in sizes]

    def _document_from(self, params: dict[str, Any], uploads: dict[str, Upload], key: str) -> dict[str, Any]:
        upload = upload_for(params, uploads, key)
        if upload is not None:
            # Telegram goes by the file name, not the part's Content-Type (aiohttp sends octet-stream).
            return self._store_document(upload.data, upload.filename or "document", None).to_dict()
        return self._known_file(params[key], "document").to_dict()

    def _known_file(self, file_id: Any, kind: str) -> StoredFile:
        stored = self._files.get(file_id) if isinstance(file_id, str) else None
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
        return stored

    def _store_photo(self, data: bytes) -> list[StoredFile]:
        """A thumbnail plus the original, smallest first, as Telegram lists PhotoSizes."""
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                width, height = image.size
                extension = "jpg" if image.format in (None, "JPEG") else image.format.lower()
                thumbnail = None
                if max(width, height) > THUMBNAIL_SIDE:
                    small = image.convert("RGB")
                    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
                    buffer = io.BytesIO()
                    small.save(buffer, "JPEG")
                    thumbnail = (buffer.getvalue(), small.size)
        except (OSError, ValueError, Image.DecompressionBombError):
            raise bad_request("IMAGE_PROCESS_FAILED") from None
        sizes = []
        if thumbnail is not None:
            sizes.append(
                self._new_file("photo", thumbnail[0], "jpg", {"width": thumbnail[1][0], "height": thumbnail[1][1]})
            )
        sizes.append(self._new_file("photo", data, extension, {"width": width, "height": height}))
        for size in sizes:
            self._photo_sizes[size.file_id] = [s.file_id for s in sizes]
        return sizes

    def _store_document(self, data: bytes, file_name: str, mime_type: str | None) -> StoredFile:
        mime_type = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        extension = file_name.rpartition(".")[2] if "." in file_name else "bin"
        return self._new_file("document", data, extension, {"file_name": file_name, "mime_type": mime_type})

    def _new_file(self, kind: str, data: bytes, extension: str, extra: dict[str, Any]) -> StoredFile:
        self._file_counter += 1
        number = self._file_counter
        folder = {"photo": "photos", "document": "documents", "sticker": "stickers"}[kind]
        stored = StoredFile(
            file_id=f"{kind}-{number}-{secrets.token_hex(8)}",  # opaque and never reused, like Telegram's
            file_unique_id=f"unique{number}",
            kind=kind,
            data=data,
            file_path=f"{folder}/file_{number}.{extension}",
            extra=extra,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    async def _get_file(self, params: dict[str, Any], uploads: dict[str, Upload]) -> dict[str, Any]:
        file_id = params.get("file_id")
        stored = self._files.get(file_id) if isinstance(file_id, str) else None
        if stored is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    # ----------------------------------------------------------------- editing and deleting

    def _editable(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """The bot's stored message to edit, or None for an inline message (answered with True)."""
        if params.get("inline_message_id"):
            return None
        message = self._messages.get((int_param(params, "chat_id"), int_param(params, "message_id")))
        if message is None:
            raise bad_request("message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise bad_request("message can't be edited")
        return message

    def _apply_edit(self, message: dict[str, Any], content: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        """content maps keys to new values, None meaning "remove"; an edit without markup drops the keyboard."""
        markup = _checked_markup(params.get("reply_markup"))
        current_markup = message.get("reply_markup") if "inline_keyboard" in message.get("reply_markup", {}) else None
        if all(message.get(key) == value for key, value in content.items()) and current_markup == markup:
            raise bad_request(NOT_MODIFIED)
        for key, value in content.items():
            if value is None:
                message.pop(key, None)
            else:
                message[key] = value
        if markup is not None:
            message["reply_markup"] = markup
        elif current_markup is not None:
            del message["reply_markup"]
        message["edit_date"] = int(time.time())
        self._emit({"type": "edited", "chat_id": message["chat"]["id"], "message_id": message["message_id"]})
        return public_message(message)

    async def _edit_message_text(self, params: dict[str, Any], uploads: dict[str, Upload]) -> dict[str, Any] | bool:
        message = self._editable(params)
        text, entities = self._formatted(params, "text", "entities")
        if not text:
            raise bad_request("message text is empty")
        if len(text) > MAX_TEXT:
            raise bad_request("message is too long")
        if message is None:
            return True
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        return self._apply_edit(message, {"text": text, "entities": entities or None}, params)

    async def _edit_message_caption(self, params: dict[str, Any], uploads: dict[str, Upload]) -> dict[str, Any] | bool:
        message = self._editable(params)
        caption = self._caption(params)
        if message is None:
            return True
        if "text" in message:
            raise bad_request("there is no caption in the message to edit")
        content = {"caption": caption.get("caption"), "caption_entities": caption.get("caption_entities")}
        return self._apply_edit(message, content, params)

    async def _edit_message_reply_markup(
        self, params: dict[str, Any], uploads: dict[str, Upload]
    ) -> dict[str, Any] | bool:
        message = self._editable(params)
        if message is None:
            return True
        return self._apply_edit(message, {}, params)

    async def _edit_message_media(self, params: dict[str, Any], uploads: dict[str, Upload]) -> dict[str, Any] | bool:
        message = self._editable(params)
        media = params.get("media")
        if not isinstance(media, dict) or media.get("type") not in ("photo", "document"):
            raise bad_request("can't parse InputMedia JSON object")
        content: dict[str, Any]
        if media["type"] == "photo":
            content = {"photo": self._photo_from(media, uploads, "media"), "document": None}
        else:
            content = {"document": self._document_from(media, uploads, "media"), "photo": None}
        caption = self._caption(media)
        content.update(caption=caption.get("caption"), caption_entities=caption.get("caption_entities"))
        if message is None:
            return True
        if "text" in message:
            raise bad_request("there is no media in the message to edit")
        return self._apply_edit(message, content, params)

    async def _delete_message(self, params: dict[str, Any], uploads: dict[str, Upload]) -> bool:
        chat_id, message_id = int_param(params, "chat_id"), int_param(params, "message_id")
        if self._messages.pop((chat_id, message_id), None) is None:
            raise bad_request("message to delete not found")
        self._emit({"type": "deleted", "chat_id": chat_id, "message_id": message_id})
        return True

    async def _delete_messages(self, params: dict[str, Any], uploads: dict[str, Upload]) -> bool:
        chat_id = int_param(params, "chat_id")
        message_ids = params.get("message_ids")
        if not isinstance(message_ids, list):
            raise bad_request("message_ids is empty")
        for message_id in message_ids:
            key = (chat_id, int_param({"message_id": message_id}, "message_id"))
            if self._messages.pop(key, None) is not None:
                self._emit({"type": "deleted", "chat_id": chat_id, "message_id": key[1]})
        return True

    # ----------------------------------------------------------------- helpers for tests

    def _stored_message(self, message: dict[str, Any]) -> dict[str, Any]:
        key = (message["chat"]["id"], message["message_id"])
        if key not in self._messages:
            raise LookupError(f"message {key} is not in the chat (deleted, or never sent)")
        return self._messages[key]


def _content(**fields: Any) -> dict[str, Any]:
    """Message fields without the empty ones (Telegram omits absent text, entities, caption)."""
    return {key: value for key, value in fields.items() if value}


def _checked_markup(markup: Any) -> dict[str, Any] | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('can\'t parse inline keyboard button: field "inline_keyboard" must be an Array of Arrays')
    for button in (button for row in rows for button in row):
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object with text")
        if not _BUTTON_ACTIONS & button.keys():
            raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
        if "callback_data" in button and not 1 <= len(str(button["callback_data"]).encode()) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
    return markup


def _scope_key(scope: dict[str, Any]) -> str:
    """ "default", "all_private_chats", "chat:42", "chat_member:42:7": readable keys for fake.commands."""
    return ":".join([str(scope["type"]), *(str(scope[key]) for key in ("chat_id", "user_id") if key in scope)])


def _is_reply(call: RecordedCall) -> bool:
    method = call.method.lower()
    is_message_method = method.startswith("send") or method in (
        "editmessagetext",
        "editmessagecaption",
        "editmessagemedia",
    )
    return call.ok and is_message_method and isinstance(call.result, dict) and "chat" in call.result


def _brief(params: dict[str, Any]) -> str:
    text = ", ".join(
        f"{key}={value!r}" for key, value in params.items() if key in ("chat_id", "text", "caption", "offset")
    )
    return text[:120]
