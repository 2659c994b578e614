"""How Bot API requests arrive: parameters from query, JSON, urlencoded or multipart bodies, and uploads."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import BodyPartReader, MultipartReader, web

from .objects import Upload, bad_request

# aiogram sends every parameter as text: numbers, booleans and objects as JSON inside form fields.
# The fake JSON-decodes them all except the ones Telegram types as String, so that a text of
# "42" or "true" stays a string.
TEXT_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "url",
        "secret_token",
        "ip_address",
        "callback_query_id",
        "inline_message_id",
        "file_id",
        "photo",
        "document",
        "sticker",
        "audio",
        "video",
        "voice",
        "animation",
        "video_note",
        "thumbnail",
        "emoji",
        "title",
        "description",
        "short_description",
        "name",
        "first_name",
        "last_name",
        "phone_number",
        "vcard",
        "address",
        "query",
        "question",
        "language_code",
        "business_connection_id",
        "message_effect_id",
        "custom_emoji_id",
        "payload",
        "currency",
        "data",
        "method",
    }
)

_MISSING: Any = object()


class MalformedRequest(Exception):
    pass


async def read_request(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Parameters from the query string and body (JSON, urlencoded or multipart), and the uploads."""
    params: dict[str, Any] = {key: _decode(key, value) for key, value in request.query.items()}
    try:
        if request.content_type == "multipart/form-data":
            body_params, uploads = await read_multipart(await request.multipart())
        else:
            body_params, uploads = parse_plain(request.content_type, await request.read()), {}
    except web.HTTPRequestEntityTooLarge:
        raise MalformedRequest("request entity too large") from None
    params.update(body_params)
    return params, uploads


async def read_multipart(reader: MultipartReader) -> tuple[dict[str, Any], dict[str, Upload]]:
    params: dict[str, Any] = {}
    uploads: dict[str, Upload] = {}
    try:
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or not part.name:
                raise MalformedRequest("can't parse multipart form: every part needs a name")
            if part.filename is not None:
                uploads[part.name] = Upload(
                    await part.read(decode=True), part.filename, part.headers.get("Content-Type")
                )
            else:
                params[part.name] = _decode(part.name, await part.text())
    except (ValueError, LookupError, RuntimeError, aiohttp.ClientPayloadError) as error:
        raise MalformedRequest(f"can't parse multipart form: {error}") from None
    return params, uploads


def parse_plain(content_type: str, body: bytes) -> dict[str, Any]:
    try:
        if content_type == "application/json":
            data = json.loads(body) if body.strip() else {}
            if not isinstance(data, dict):
                raise MalformedRequest("JSON body must be an object")
            return {key: _decode(key, value) for key, value in data.items()}
        return {key: _decode(key, value) for key, value in parse_qsl(body.decode(), keep_blank_values=True)}
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedRequest(f"can't parse request body: {error}") from None


def _decode(key: str, value: Any) -> Any:
    if not isinstance(value, str) or key in TEXT_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # e.g. chat_id="@username"


def files_by_param(params: dict[str, Any], uploads: dict[str, Upload]) -> dict[str, bytes]:
    """Uploads named after the parameter that refers to them (aiogram names parts randomly, "attach://<key>")."""
    files = {name: upload.data for name, upload in uploads.items()}
    for key, value in params.items():
        if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
            files[key] = files.pop(value[9:])
    return files


def upload_for(params: dict[str, Any], uploads: dict[str, Upload], key: str) -> Upload | None:
    """The uploaded file a parameter refers to, or None when it names an existing file_id."""
    value = params.get(key)
    if isinstance(value, str) and value.startswith("attach://"):
        if value[9:] not in uploads:
            raise bad_request(f"wrong HTTP URL specified: no file attached as {value[9:]!r}")
        return uploads[value[9:]]
    if value is None and key in uploads:
        return uploads[key]  # other clients send the file in a part named after the parameter
    if value is None or value == "":
        raise bad_request(f"there is no {key} in the request")
    return None


def int_param(params: dict[str, Any], key: str, default: Any = _MISSING) -> Any:
    value = params.get(key)
    if value is None or value == "":
        if default is _MISSING:
            raise bad_request(f"{key} is empty")
        return default
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise bad_request(f"invalid {key} specified")
    try:
        return int(value)
    except ValueError:
        raise bad_request(f"invalid {key} specified") from None
