"""Every endpoint of API.md as a :class:`Call` builder: path, body and answer parser, once.

``Client`` and ``AsyncClient`` wrap each of these in a method of the same name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tunesmith.client._core import Call, body_call, get_call, ignore_status, seg
from tunesmith.client.errors import ProtocolError
from tunesmith.client.models import (
    AlignedWord,
    BatchStatus,
    BatchSubmitted,
    Bpm,
    Clip,
    Credits,
    DeliveryPage,
    DownloadUrls,
    Health,
    LyricsCandidate,
    MidiResult,
    NuroTask,
    PersonaCreated,
    ProducerTask,
    SonicTask,
    StudioTask,
    TaskDetail,
    TaskPage,
    TaskSubmitted,
    UploadResult,
    Vox,
)

_submitted = ignore_status(TaskSubmitted.from_dict)
_V1 = "/api/v1"


def _sonic(name: str, fields: Mapping[str, Any], *, multipart: bool = False) -> Call[TaskSubmitted]:
    return body_call(f"{_V1}/sonic/{name}", fields, _submitted, multipart=multipart)


# --- sonic (§4) ----------------------------------------------------------------------------------


def sonic_create(fields: Mapping[str, Any]) -> Call[TaskSubmitted]:
    return _sonic("create", fields)


def sonic_task(task_id: str) -> Call[SonicTask]:
    return get_call(f"{_V1}/sonic/task/{seg(task_id)}", ignore_status(SonicTask.from_dict))


def get_music(task_id: str) -> Call[SonicTask]:
    return get_call(f"/get_music/{seg(task_id)}", ignore_status(SonicTask.from_dict))


def sonic_upload(fields: Mapping[str, Any]) -> Call[UploadResult]:
    return body_call(f"{_V1}/sonic/upload", fields, ignore_status(UploadResult.from_dict), multipart=True)


def sonic_upload_extend(fields: Mapping[str, Any]) -> Call[TaskSubmitted]:
    return _sonic("upload-extend", fields, multipart=True)


def sonic_upload_cover(fields: Mapping[str, Any]) -> Call[TaskSubmitted]:
    return _sonic("upload-cover", fields, multipart=True)


def sonic_persona(fields: Mapping[str, Any]) -> Call[PersonaCreated]:
    return body_call(f"{_V1}/sonic/persona", fields, ignore_status(PersonaCreated.from_dict))


def sonic_create_voice(fields: Mapping[str, Any]) -> Call[TaskSubmitted]:
    return _sonic("create-voice", fields, multipart=True)


def sonic_sample(fields: Mapping[str, Any]) -> Call[TaskSubmitted]:
    return _sonic("sample", fields, multipart=True)


def sonic_mashup(fields: Mapping[str, Any]) -> Call[TaskSubmitted]:
    return _sonic("mashup", fields)


def sonic_replace_section(fields: Mapping[str, Any]) -> Call[TaskSubmitted]:
    return _sonic("replace-section", fields)


def sonic_stems(mode: str, clip_id: str, extra: Mapping[str, Any]) -> Call[TaskSubmitted]:
    if mode not in ("basic", "full"):
        raise ValueError(f"stems mode must be 'basic' or 'full', got {mode!r}")
    return _sonic(f"stems/{mode}", {"clip_id": clip_id, **extra})


def sonic_bpm(clip_id: str) -> Call[Bpm]:
    return body_call(f"{_V1}/sonic/bpm", {"clip_id": clip_id}, ignore_status(Bpm.from_dict))


def sonic_vox(clip_id: str, vocal_start_s: float | None, vocal_end_s: float | None) -> Call[Vox]:
    fields = {"clip_id": clip_id, "vocal_start_s": vocal_start_s, "vocal_end_s": vocal_end_s}
    return body_call(f"{_V1}/sonic/vox", fields, ignore_status(Vox.from_dict))


def sonic_wav(clip_id: str) -> Call[str]:
    def parse(body: Any, status: int) -> str:
        data = body.get("data") if isinstance(body, dict) else None
        url = data.get("wav_url") if isinstance(data, dict) else None
        if not isinstance(url, str):
            raise ProtocolError("the wav answer has no 'data.wav_url'")
        return url

    return body_call(f"{_V1}/sonic/wav", {"clip_id": clip_id}, parse)


def sonic_midi(clip_id: str) -> Call[MidiResult]:
    return body_call(f"{_V1}/sonic/midi", {"clip_id": clip_id}, ignore_status(MidiResult.from_dict))


def sonic_aligned_lyrics(clip_id: str) -> Call[list[AlignedWord]]:
    return body_call(
        f"{_V1}/sonic/aligned-lyrics", {"clip_id": clip_id}, ignore_status(AlignedWord.list_from_dict)
    )


def sonic_download(clip_id: str, formats: Sequence[str] | None) -> Call[DownloadUrls]:
    def parse(body: Any, status: int) -> DownloadUrls:
        return DownloadUrls.from_dict(body, preparing=status == 202)

    fields = {"clip_id": clip_id, "formats": list(formats) if formats is not None else None}
    return body_call(f"{_V1}/sonic/download", fields, parse)


def sonic_batch(items: Sequence[Mapping[str, Any]], extra: Mapping[str, Any]) -> Call[BatchSubmitted]:
    body = {"items": [dict(i) for i in items], **extra}
    return body_call(f"{_V1}/sonic/batch", body, ignore_status(BatchSubmitted.from_dict))


def sonic_batch_status(batch_id: str) -> Call[BatchStatus]:
    return get_call(f"{_V1}/sonic/batch", ignore_status(BatchStatus.from_dict), {"batch_id": batch_id})


def sonic_lyrics(description: str, seed: int | None) -> Call[list[LyricsCandidate]]:
    fields = {"description": description, "seed": seed}
    return body_call(f"{_V1}/sonic/lyrics", fields, ignore_status(LyricsCandidate.list_from_dict))


def sonic_upsample_tags(tags: str) -> Call[str]:
    def parse(body: Any, status: int) -> str:
        data = body.get("data") if isinstance(body, dict) else None
        value = data.get("upsampled_tags") if isinstance(data, dict) else None
        if not isinstance(value, str):
            raise ProtocolError("the upsample-tags answer has no 'data.upsampled_tags'")
        return value

    return body_call(f"{_V1}/sonic/upsample-tags", {"tags": tags}, parse)


# --- riffusion (§5), producer (§6), studio (§7), nuro (§8) ---------------------------------------------


def riffusion_create(fields: Mapping[str, Any]) -> Call[TaskSubmitted]:
    return body_call(f"{_V1}/riffusion/create", fields, _submitted)


def riffusion_upload(fields: Mapping[str, Any]) -> Call[UploadResult]:
    return body_call(f"{_V1}/riffusion/upload", fields, ignore_status(UploadResult.from_dict), multipart=True)


def riffusion_task(task_id: str) -> Call[SonicTask]:
    return get_call(f"{_V1}/riffusion/task/{seg(task_id)}", ignore_status(SonicTask.from_dict))


def producer_create(task_type: str, fields: Mapping[str, Any]) -> Call[TaskSubmitted]:
    return body_call(f"{_V1}/producer/create", {"task_type": task_type, **fields}, _submitted)


def producer_upload(fields: Mapping[str, Any]) -> Call[TaskSubmitted]:
    return body_call(f"{_V1}/producer/upload", fields, _submitted, multipart=True)


def producer_download(clip_id: str, fmt: str | None, extra: Mapping[str, Any]) -> Call[TaskSubmitted]:
    fields = {"clip_id": clip_id, "format": fmt, **extra}
    return body_call(f"{_V1}/producer/download", fields, _submitted)


def producer_task(task_id: str) -> Call[ProducerTask]:
    return get_call(f"{_V1}/producer/task/{seg(task_id)}", ignore_status(ProducerTask.from_dict))


def studio_create(fields: Mapping[str, Any]) -> Call[TaskSubmitted]:
    return body_call(f"{_V1}/studio/create", fields, _submitted)


def studio_task(task_id: str) -> Call[StudioTask]:
    return get_call(f"{_V1}/studio/task/{seg(task_id)}", ignore_status(StudioTask.from_dict))


def nuro_create(fields: Mapping[str, Any]) -> Call[TaskSubmitted]:
    return body_call(f"{_V1}/nuro/create", fields, _submitted)


def nuro_task(task_id: str) -> Call[NuroTask]:
    return get_call(f"{_V1}/nuro/task/{seg(task_id)}", ignore_status(NuroTask.from_dict))


# --- account (§9) and tunesmith additions (§10 log, §13) ----------------------------------------------


def get_credits() -> Call[Credits]:
    return get_call(f"{_V1}/get-credits", ignore_status(Credits.from_dict))


def get_clip(clip_id: str) -> Call[Clip]:
    def parse(body: Any, status: int) -> Clip:
        return Clip.from_dict(body.get("data") if isinstance(body, dict) else body)

    return get_call(f"{_V1}/clips/{seg(clip_id)}", parse)


def list_tasks(
    limit: int | None, cursor: str | None, family: str | None, state: str | None
) -> Call[TaskPage]:
    params = {"limit": limit, "cursor": cursor, "family": family, "state": state}
    return get_call(f"{_V1}/tasks", ignore_status(TaskPage.from_dict), params)


def get_task(task_id: str) -> Call[TaskDetail]:
    return get_call(f"{_V1}/tasks/{seg(task_id)}", ignore_status(TaskDetail.from_dict))


def webhook_deliveries(task_id: str | None, limit: int | None, cursor: str | None) -> Call[DeliveryPage]:
    params = {"task_id": task_id, "limit": limit, "cursor": cursor}
    return get_call(f"{_V1}/webhooks/deliveries", ignore_status(DeliveryPage.from_dict), params)


def health() -> Call[Health]:
    return Call("GET", "/health", ignore_status(Health.from_dict), auth=False, accept=(503,))
