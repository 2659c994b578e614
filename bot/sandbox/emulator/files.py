"""Files: photos and documents sent either way, their sizes and ids, and getFile."""

from __future__ import annotations

import io
import mimetypes
import secrets
from typing import Any

from PIL import Image

from .objects import StoredFile, Upload, bad_request
from .state import THUMBNAIL_SIDE, EmulatorState
from .wire import upload_for


class Files(EmulatorState):
    """Files: photos and documents sent either way, their sizes and ids, and getFile."""

    def file_bytes(self, file_id: str) -> bytes:
        if file_id not in self._files:
            raise LookupError(f"no file with file_id {file_id!r}")
        return self._files[file_id].data

    def stored_file(self, file_id: str) -> StoredFile | None:
        return self._files.get(file_id)

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
