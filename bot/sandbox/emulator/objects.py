"""Plain records and the JSON shapes of Telegram objects the fake hands out."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from .formatting import utf16_len

# Update kinds Telegram sends when allowed_updates is empty or never set.
DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)

_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,32})?")


@dataclass(frozen=True)
class FakeUser:
    """A person talking to the bot; their private chat has the same id."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"

    def to_dict(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                user[key] = getattr(self, key)
        return user

    def chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        for key in ("last_name", "username"):
            if getattr(self, key) is not None:
                chat[key] = getattr(self, key)
        return chat


@dataclass
class RecordedCall:
    """One Bot API request: parameters decoded to Python values, uploads by parameter name.

    `result` is exactly what the bot received; on failure it is None and `error` holds
    Telegram's description (e.g. "Bad Request: chat not found"). Calls are listed when they
    complete, except getUpdates: listed when the long poll opens, result set when it returns.
    """

    method: str
    params: dict[str, Any]
    files: dict[str, bytes]
    result: Any
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class Upload:
    data: bytes
    filename: str | None = None
    content_type: str | None = None


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str  # "photo", "document" or "sticker": Telegram refuses to send one kind as another
    data: bytes
    file_path: str
    extra: dict[str, Any] = field(default_factory=dict)  # width/height or file_name/mime_type

    def to_dict(self) -> dict[str, Any]:
        """As a PhotoSize, Document or Sticker object (without file_path, which only getFile gives)."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            **self.extra,
        }


class TelegramError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error_code": self.code, "description": self.description}


def bad_request(message: str) -> TelegramError:
    return TelegramError(400, f"Bad Request: {message}")


def command_entities(text: str) -> list[dict[str, Any]]:
    """Telegram marks a leading /command (with an optional @botname) as a bot_command entity."""
    match = _COMMAND.match(text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group())}]


def public_message(message: dict[str, Any]) -> dict[str, Any]:
    """A stored message as Telegram returns it: a Message only carries an inline keyboard.

    The store keeps reply keyboards too, so tests can see them; aiogram would reject them here.
    """
    public = copy.deepcopy(message)
    if "inline_keyboard" not in public.get("reply_markup", {}):
        public.pop("reply_markup", None)
    if "reply_to_message" in public:
        public["reply_to_message"] = public_message(public["reply_to_message"])
    return public


def update_type(update: dict[str, Any]) -> str:
    return next(key for key in update if key != "update_id")


def find_button(message: dict[str, Any], text_contains: str) -> str:
    """callback_data of the first inline button whose text contains `text_contains`."""
    keyboard = message.get("reply_markup", {}).get("inline_keyboard", [])
    buttons = [button for row in keyboard for button in row]
    for button in buttons:
        if text_contains in button.get("text", "") and "callback_data" in button:
            return str(button["callback_data"])
    texts = [button.get("text") for button in buttons]
    raise LookupError(f"no inline button with callback_data whose text contains {text_contains!r}; buttons: {texts}")
