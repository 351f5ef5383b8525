"""Files in messages: resolving uploads and file_ids, building PhotoSize, Voice, ... objects."""

from __future__ import annotations

from typing import Any

from emulator.errors import bad_request
from emulator.models import StoredFile
from emulator.params import Params, Upload
from emulator.state import EmulatorState

# A tiny valid JPEG-like payload for files the emulator invents (simulated photos, URLs).
PLACEHOLDER = b"\xff\xd8\xff\xe0" + b"xuncha-emulator-file" + b"\xff\xd9"
_PHOTO_SIZES = ((90, 67), (320, 240), (1280, 960))


def new_photo(state: EmulatorState, data: bytes) -> list[StoredFile]:
    """Store a photo as Telegram does: three sizes, each with its own file_id."""
    sizes = []
    for width, height in _PHOTO_SIZES:
        stored = state.new_file(data, "photo")
        stored.meta.update(width=width, height=height)
        sizes.append(stored)
    for stored in sizes:
        state.photo_sets[stored.file_id] = sizes
    return sizes


def store_upload(state: EmulatorState, upload: Upload, kind: str) -> StoredFile:
    """Store an uploaded file part."""
    return state.new_file(
        upload.data,
        kind,
        mime_type=upload.content_type if kind == "document" else None,
        file_name=upload.filename,
    )


def resolve_input(
    state: EmulatorState, params: Params, value: Any, kind: str, field: str
) -> list[StoredFile]:
    """The stored file(s) an InputFile value refers to: upload, attach://, URL or file_id."""
    upload = params.uploads.get(field) if value is None else None
    if upload is None and isinstance(value, str) and value.startswith("attach://"):
        upload = params.uploads.get(value.removeprefix("attach://"))
        if upload is None:
            raise bad_request(f"file for {value} not found in the request")
    if upload is not None:
        if kind == "photo":
            return new_photo(state, upload.data)
        return [store_upload(state, upload, kind)]
    if not isinstance(value, str) or not value:
        raise bad_request(f"there is no {field} in the request")
    if value.startswith(("http://", "https://")):
        if kind == "photo":
            return new_photo(state, PLACEHOLDER)
        name = value.rsplit("/", 1)[-1] or None
        return [state.new_file(PLACEHOLDER, kind, file_name=name)]
    stored = state.files.get(value)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if kind == "photo":
        return state.photo_sets.get(value) or new_photo(state, stored.data)
    return [stored]


def _base(stored: StoredFile) -> dict[str, Any]:
    """file_id, file_unique_id and file_size."""
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }


def media_object(kind: str, files: list[StoredFile], extra: dict[str, Any]) -> Any:
    """The Message field for a file of `kind` (a list of PhotoSize for photos)."""
    if kind == "photo":
        return [
            {**_base(f), "width": f.meta.get("width", 320), "height": f.meta.get("height", 240)}
            for f in files
        ]
    stored = files[-1]
    data = _base(stored)
    duration = int(extra.get("duration") or stored.meta.get("duration") or 1)
    if kind == "voice":
        data.update(duration=duration, mime_type=stored.mime_type or "audio/ogg")
    elif kind == "audio":
        data.update(duration=duration, mime_type=stored.mime_type or "audio/mpeg")
        for key in ("title", "performer"):
            if extra.get(key):
                data[key] = extra[key]
    elif kind in ("video", "animation"):
        data.update(
            width=int(extra.get("width") or 640),
            height=int(extra.get("height") or 480),
            duration=duration,
            mime_type=stored.mime_type or "video/mp4",
        )
    elif kind == "video_note":
        data.update(length=int(extra.get("length") or 240), duration=duration)
    elif kind == "sticker":
        data.update(
            type="regular",
            width=512,
            height=512,
            is_animated=False,
            is_video=False,
            emoji=extra.get("emoji") or stored.meta.get("emoji") or "🙂",
        )
    else:
        data["mime_type"] = stored.mime_type or "application/octet-stream"
    if kind in ("document", "video", "audio", "animation") and stored.file_name:
        data["file_name"] = stored.file_name
    stored.meta.setdefault("duration", duration)
    return data
