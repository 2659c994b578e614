"""Users act: they send messages, files and contacts and press buttons; their updates wait in a queue
that getUpdates hands out.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import secrets
import time
from typing import Any

from .chats import Chats
from .objects import (
    DEFAULT_UPDATE_TYPES,
    FakeUser,
    TelegramError,
    Upload,
    bad_request,
    command_entities,
    find_button,
    public_message,
    update_type,
)
from .wire import int_param

WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)

POLLING_CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"


class Users(Chats):
    """Users act: they send messages, files and contacts and press buttons; their updates wait in a queue"""

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
