"""Chats and edits: what the bot sends, edits and deletes, its commands and menu button, and what tests
and chat clients observe of a chat.
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Callable
from typing import Any

from .files import Files
from .formatting import EntityParseError, parse_html, strip_text
from .objects import FakeUser, RecordedCall, TelegramError, Upload, bad_request, public_message
from .wire import int_param

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

_LANGUAGE_CODE = re.compile(r"[a-z]{2}")

MAX_TEXT = 4096

MAX_CAPTION = 1024

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same"
    " as a current content and reply markup of the message"
)


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
    result = _first_message(call)
    return call.ok and is_message_method and isinstance(result, dict) and "chat" in result


def _first_message(call: RecordedCall) -> Any:
    """The message a call sent: sendMediaGroup's answer is a list of them, the album's first stands for it."""
    if isinstance(call.result, list) and call.result:
        return call.result[0]
    return call.result


class Chats(Files):
    """Chats and edits: what the bot sends, edits and deletes, its commands and menu button, and what tests"""

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
                if _is_reply(call) and _first_message(call)["chat"]["id"] == chat_id:
                    message: dict[str, Any] = copy.deepcopy(_first_message(call))
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

    def my_commands(self, language_code: str = "", scope: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """What setMyCommands stored for exactly this scope and language ([] if nothing)."""
        key = (_scope_key(scope or {"type": "default"}), language_code)
        return copy.deepcopy(self.commands.get(key, []))

    # ----------------------------------------------------------------- chat clients observe

    def observe(self, callback: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
        """Call `callback` with each change a chat client shows; returns the function that stops it.

        Events: {"type": "message" | "edited", "chat_id", "message_id"}, {"type": "deleted", "chat_id",
        "message_id"}, {"type": "keyboard", "chat_id"}, {"type": "action", "chat_id", "action"} (typing…),
        {"type": "answer", "chat_id", "text", "show_alert"} (a button's pop-up), {"type": "menu_button",
        "chat_id"} (None: every chat's default). Read the state itself with `chat_history`, `message`,
        `reply_keyboard` and `menu_buttons`.
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
        # A chat's menu button shows at once in its client (the Mini App's "My code" appears with the first code).
        self._emit({"type": "menu_button", "chat_id": chat_id})
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

    async def _send_media_group(self, params: dict[str, Any], uploads: dict[str, Upload]) -> list[dict[str, Any]]:
        """An album: 2 to 10 photos (or documents, not mixed), each with its own caption, sent as messages
        sharing one media_group_id. Every item is checked before any is stored, as Telegram refuses the whole
        group for one bad item; an album takes no reply_markup."""
        chat = self._chat(params)
        media = params.get("media")
        if not isinstance(media, list) or not all(isinstance(item, dict) for item in media):
            raise bad_request("can't parse media JSON object")
        if not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media in the group: 2 to 10 are allowed")
        kinds = {item.get("type") for item in media}
        if not kinds <= {"photo", "document"} or len(kinds) != 1:
            raise bad_request("can't parse InputMedia JSON object")
        contents: list[dict[str, Any]] = []
        for item in media:
            content: dict[str, Any]
            if item["type"] == "photo":
                content = {"photo": self._photo_from(item, uploads, "media")}
            else:
                content = {"document": self._document_from(item, uploads, "media")}
            contents.append({**content, **self._caption(item)})
        group = str(next(self._media_groups))
        sent = []
        for content in contents:
            message = self._store_message(chat, self.bot_user, {**content, "media_group_id": group})
            self._emit({"type": "message", "chat_id": chat.id, "message_id": message["message_id"]})
            sent.append(public_message(message))
        return sent

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
