"""Typed responses of the tunesmith / MusicAPI wire contract (API.md).

Every model is a frozen dataclass built with ``from_dict`` from the decoded JSON. Parsing is
tolerant: unknown fields are ignored (and kept in ``raw``), absent fields take the contract's
"not yet known" value (``""`` for texts, None otherwise), so the same models read the original
commercial service, whose answers may carry more or fewer keys. Times are seconds (``*_s`` or
the contract's ``duration``); timestamps stay the ISO-8601 strings the server sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tunesmith.client.errors import ProtocolError

__all__ = [
    "TERMINAL_STATES",
    "AlignedWord",
    "BatchItem",
    "BatchStatus",
    "BatchSubmitted",
    "BatchTask",
    "Bpm",
    "Clip",
    "ClipMetadata",
    "Credits",
    "DeliveryAttempt",
    "DeliveryPage",
    "DownloadUrls",
    "Health",
    "LyricsCandidate",
    "MidiInstrument",
    "MidiNote",
    "MidiResult",
    "NuroTask",
    "PersonaCreated",
    "ProducerClip",
    "ProducerTask",
    "SonicTask",
    "StudioSong",
    "StudioTask",
    "TaskDetail",
    "TaskPage",
    "TaskSubmitted",
    "TaskSummary",
    "UploadResult",
    "Vox",
    "WebhookDelivery",
]

TERMINAL_STATES = frozenset({"succeeded", "failed"})
"""Clip states after which a clip never changes (API.md §3.1)."""


def _obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ProtocolError(f"expected a JSON object for {what}, got {type(value).__name__}")
    return value


def _str(d: Mapping[str, Any], key: str, default: str = "") -> str:
    value = d.get(key)
    if value is None:
        return default
    return value if isinstance(value, str) else str(value)


def _opt_str(d: Mapping[str, Any], key: str) -> str | None:
    value = d.get(key)
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _opt_float(d: Mapping[str, Any], key: str) -> float | None:
    value = d.get(key)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _float(d: Mapping[str, Any], key: str, default: float = 0.0) -> float:
    value = _opt_float(d, key)
    return default if value is None else value


def _opt_int(d: Mapping[str, Any], key: str) -> int | None:
    value = _opt_float(d, key)
    return None if value is None else int(value)


def _int(d: Mapping[str, Any], key: str, default: int = 0) -> int:
    value = _opt_int(d, key)
    return default if value is None else value


def _opt_bool(d: Mapping[str, Any], key: str) -> bool | None:
    value = d.get(key)
    return value if isinstance(value, bool) else None


def _list(d: Mapping[str, Any], key: str) -> list[Any]:
    value = d.get(key)
    return value if isinstance(value, list) else []


def _dict(d: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = d.get(key)
    return value if isinstance(value, dict) else {}


# --- clips -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClipMetadata:
    """The tunesmith ``metadata`` object of a clip (API.md §3.2). Empty on the original service."""

    task_id: str | None = None
    task_type: str | None = None
    origin: str | None = None
    seed: int | None = None
    tempo_bpm: float | None = None
    key: str | None = None
    time_signature: str | None = None
    engine: str | None = None
    quality: str | None = None
    estimated: bool | None = None
    source_clip_id: str | None = None
    wav_url: str | None = None
    finished_at: str | None = None
    continue_at: float | None = None
    extension_chain: list[str] = field(default_factory=list)
    extension_clip_id: str | None = None
    stem: str | None = None
    persona_id: str | None = None
    mp3_url: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClipMetadata:
        return cls(
            task_id=_opt_str(data, "task_id"),
            task_type=_opt_str(data, "task_type"),
            origin=_opt_str(data, "origin"),
            seed=_opt_int(data, "seed"),
            tempo_bpm=_opt_float(data, "tempo_bpm"),
            key=_opt_str(data, "key"),
            time_signature=_opt_str(data, "time_signature"),
            engine=_opt_str(data, "engine"),
            quality=_opt_str(data, "quality"),
            estimated=_opt_bool(data, "estimated"),
            source_clip_id=_opt_str(data, "source_clip_id"),
            wav_url=_opt_str(data, "wav_url"),
            finished_at=_opt_str(data, "finished_at"),
            continue_at=_opt_float(data, "continue_at"),
            extension_chain=[str(x) for x in _list(data, "extension_chain")],
            extension_clip_id=_opt_str(data, "extension_clip_id"),
            stem=_opt_str(data, "stem"),
            persona_id=_opt_str(data, "persona_id"),
            mp3_url=_opt_str(data, "mp3_url"),
            raw=dict(data),
        )


@dataclass(frozen=True)
class Clip:
    """A sonic or riffusion clip (API.md §3.2; riffusion adds ``timestamp``).

    ``duration`` is seconds, None until the clip succeeds, as are the URLs. ``error_message`` is
    set only on failed clips.
    """

    clip_id: str
    state: str
    title: str = ""
    tags: str = ""
    negative_tags: str | None = None
    lyrics: str = ""
    gpt_description_prompt: str | None = None
    mv: str | None = None
    audio_url: str | None = None
    image_url: str | None = None
    video_url: str | None = None
    created_at: str = ""
    duration: float | None = None
    style_weight: float | None = None
    weirdness_constraint: float | None = None
    error_message: str | None = None
    persona_id: str | None = None
    metadata: ClipMetadata = field(default_factory=ClipMetadata)
    timestamp: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Any) -> Clip:
        d = _obj(data, "a clip")
        return cls(
            clip_id=_str(d, "clip_id") or _str(d, "id"),
            state=_str(d, "state").lower(),
            title=_str(d, "title"),
            tags=_str(d, "tags"),
            negative_tags=_opt_str(d, "negative_tags"),
            lyrics=_str(d, "lyrics"),
            gpt_description_prompt=_opt_str(d, "gpt_description_prompt"),
            mv=_opt_str(d, "mv"),
            audio_url=_opt_str(d, "audio_url"),
            image_url=_opt_str(d, "image_url"),
            video_url=_opt_str(d, "video_url"),
            created_at=_str(d, "created_at"),
            duration=_opt_float(d, "duration"),
            style_weight=_opt_float(d, "style_weight"),
            weirdness_constraint=_opt_float(d, "weirdness_constraint"),
            error_message=_opt_str(d, "error_message"),
            persona_id=_opt_str(d, "persona_id"),
            metadata=ClipMetadata.from_dict(_dict(d, "metadata")),
            timestamp=_dict(d, "timestamp"),
            raw=dict(d),
        )

    @property
    def is_terminal(self) -> bool:
        """True once the clip is ``succeeded`` or ``failed``."""
        return self.state in TERMINAL_STATES

    @property
    def succeeded(self) -> bool:
        return self.state == "succeeded"

    @property
    def wav_url(self) -> str | None:
        """The 16-bit WAV of a succeeded tunesmith clip (``metadata.wav_url``)."""
        return self.metadata.wav_url


def _clips(value: Any) -> list[Clip]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ProtocolError("expected a list of clips in 'data'")
    return [Clip.from_dict(item) for item in value]


def derive_state(states: list[str]) -> str:
    """The task state from its clip states (API.md §3.1): ``pending`` while every clip is pending,
    ``running`` while any is not terminal, then ``succeeded`` if one succeeded, else ``failed``."""
    if not states or all(s == "pending" for s in states):
        return "pending"
    if any(s not in TERMINAL_STATES for s in states):
        return "running"
    return "succeeded" if "succeeded" in states else "failed"


@dataclass(frozen=True)
class SonicTask:
    """A sonic or riffusion poll: ``{"code": 200, "message": "success", "data": [clip, …]}``.

    ``persona_id`` is set on a succeeded create-voice task.
    """

    clips: list[Clip]
    code: int = 200
    message: str = ""
    persona_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Any) -> SonicTask:
        d = _obj(data, "a task poll")
        return cls(
            clips=_clips(d.get("data")),
            code=_int(d, "code", 200),
            message=_str(d, "message"),
            persona_id=_opt_str(d, "persona_id"),
            raw=dict(d),
        )

    @property
    def states(self) -> list[str]:
        return [c.state for c in self.clips]

    @property
    def state(self) -> str:
        """The task state derived from the clips (``pending``/``running``/``succeeded``/``failed``)."""
        return derive_state(self.states)

    @property
    def is_terminal(self) -> bool:
        return bool(self.clips) and all(c.is_terminal for c in self.clips)


@dataclass(frozen=True)
class ProducerClip:
    """A producer clip (API.md §6): ``seed`` is a string, ``audio_url`` MP3, ``wav_url`` WAV."""

    clip_id: str
    state: str
    title: str = ""
    sound: str = ""
    lyrics: str = ""
    audio_url: str | None = None
    wav_url: str | None = None
    image_url: str | None = None
    video_url: str | None = None
    download_url: str | None = None
    created_at: str = ""
    mv: str | None = None
    seed: str | None = None
    duration: float | None = None
    error_message: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Any) -> ProducerClip:
        d = _obj(data, "a producer clip")
        return cls(
            clip_id=_str(d, "clip_id") or _str(d, "id"),
            state=_str(d, "state").lower(),
            title=_str(d, "title"),
            sound=_str(d, "sound"),
            lyrics=_str(d, "lyrics"),
            audio_url=_opt_str(d, "audio_url"),
            wav_url=_opt_str(d, "wav_url"),
            image_url=_opt_str(d, "image_url"),
            video_url=_opt_str(d, "video_url"),
            download_url=_opt_str(d, "download_url"),
            created_at=_str(d, "created_at"),
            mv=_opt_str(d, "mv"),
            seed=_opt_str(d, "seed"),
            duration=_opt_float(d, "duration"),
            error_message=_opt_str(d, "error_message"),
            metadata=_dict(d, "metadata"),
            raw=dict(d),
        )

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL_STATES


@dataclass(frozen=True)
class ProducerTask:
    """A producer poll: ``status`` is ``PENDING``, ``RUNNING``, ``SUCCESS`` or ``FAILED``."""

    status: str
    clips: list[ProducerClip]
    message: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Any) -> ProducerTask:
        d = _obj(data, "a producer poll")
        items = d.get("data")
        clips = [ProducerClip.from_dict(x) for x in items] if isinstance(items, list) else []
        return cls(status=_str(d, "status").upper(), clips=clips, message=_str(d, "message"), raw=dict(d))

    @property
    def states(self) -> list[str]:
        return [c.state for c in self.clips]

    @property
    def is_terminal(self) -> bool:
        if self.status in ("SUCCESS", "FAILED"):
            return True
        return bool(self.clips) and all(c.is_terminal for c in self.clips)


@dataclass(frozen=True)
class StudioSong:
    """One song of a studio task (API.md §7). ``id`` is the clip id; ``tags`` is a list."""

    id: str
    state: str
    title: str = ""
    artist: str = ""
    tags: list[str] = field(default_factory=list)
    lyrics: str = ""
    audio_url: str | None = None
    image_url: str | None = None
    video_url: str | None = None
    duration: float | None = None
    created_at: str = ""
    error_message: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Any) -> StudioSong:
        d = _obj(data, "a studio song")
        return cls(
            id=_str(d, "id") or _str(d, "clip_id"),
            state=_str(d, "state").lower(),
            title=_str(d, "title"),
            artist=_str(d, "artist"),
            tags=[str(t) for t in _list(d, "tags")],
            lyrics=_str(d, "lyrics"),
            audio_url=_opt_str(d, "audio_url"),
            image_url=_opt_str(d, "image_url"),
            video_url=_opt_str(d, "video_url"),
            duration=_opt_float(d, "duration"),
            created_at=_str(d, "created_at"),
            error_message=_opt_str(d, "error_message"),
            metadata=_dict(d, "metadata"),
            raw=dict(d),
        )

    @property
    def clip_id(self) -> str:
        return self.id

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL_STATES


@dataclass(frozen=True)
class StudioTask:
    """A studio poll (API.md §7): ``status`` is ``NOT_START``, ``IN_PROGRESS``, ``SUCCESS`` or
    ``FAILURE``; ``progress`` the string ``"N%"``; times are unix seconds (0 until reached)."""

    task_id: str
    status: str
    progress: str
    songs: list[StudioSong]
    action: str = ""
    notify_hook: str = ""
    fail_reason: str = ""
    submit_time: int = 0
    start_time: int = 0
    finish_time: int = 0
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Any) -> StudioTask:
        outer = _obj(data, "a studio poll")
        d = _dict(outer, "data")
        songs = _list(_dict(d, "data"), "songs")
        return cls(
            task_id=_str(d, "task_id"),
            status=_str(d, "status").upper(),
            progress=_str(d, "progress", "0%"),
            songs=[StudioSong.from_dict(s) for s in songs],
            action=_str(d, "action"),
            notify_hook=_str(d, "notify_hook"),
            fail_reason=_str(d, "fail_reason"),
            submit_time=_int(d, "submit_time"),
            start_time=_int(d, "start_time"),
            finish_time=_int(d, "finish_time"),
            raw=dict(outer),
        )

    @property
    def progress_percent(self) -> int:
        """``progress`` as an integer 0..100 (0 when unparseable)."""
        try:
            return int(float(self.progress.rstrip("%").strip() or 0))
        except ValueError:
            return 0

    @property
    def states(self) -> list[str]:
        return [s.state for s in self.songs]

    @property
    def is_terminal(self) -> bool:
        return self.status in ("SUCCESS", "FAILURE")


@dataclass(frozen=True)
class NuroTask:
    """The flat nuro poll (API.md §8). ``audio_url`` is WAV; ``metadata.mp3_url`` the MP3.
    ``progress`` is an integer 0..100 that reaches 100 only on success."""

    task_id: str
    status: str
    progress: int = 0
    clip_id: str | None = None
    audio_url: str | None = None
    image_url: str | None = None
    lyrics: str = ""
    duration: float | None = None
    genre: str | None = None
    mood: str | None = None
    gender: str | None = None
    timbre: str | None = None
    created_at: str = ""
    error_message: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Any) -> NuroTask:
        d = _obj(data, "a nuro poll")
        return cls(
            task_id=_str(d, "task_id"),
            status=_str(d, "status").lower(),
            progress=_int(d, "progress"),
            clip_id=_opt_str(d, "clip_id"),
            audio_url=_opt_str(d, "audio_url"),
            image_url=_opt_str(d, "image_url"),
            lyrics=_str(d, "lyrics"),
            duration=_opt_float(d, "duration"),
            genre=_opt_str(d, "genre"),
            mood=_opt_str(d, "mood"),
            gender=_opt_str(d, "gender"),
            timbre=_opt_str(d, "timbre"),
            created_at=_str(d, "created_at"),
            error_message=_opt_str(d, "error_message"),
            metadata=_dict(d, "metadata"),
            raw=dict(d),
        )

    @property
    def state(self) -> str:
        return self.status

    @property
    def mp3_url(self) -> str | None:
        value = self.metadata.get("mp3_url")
        return value if isinstance(value, str) else None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATES


# --- submissions and sync utilities -------------------------------------------------------------


@dataclass(frozen=True)
class TaskSubmitted:
    """``{"code": 200, "message": "success", "task_id": "…"}`` (an async upload adds ``clip_id``)."""

    task_id: str
    clip_id: str | None = None
    message: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Any) -> TaskSubmitted:
        d = _obj(data, "a submission answer")
        task_id = _str(d, "task_id")
        if not task_id:
            inner = _dict(d, "data")  # tolerate services that wrap the id
            task_id = _str(inner, "task_id")
        if not task_id:
            raise ProtocolError("the submission answer has no 'task_id'")
        return cls(task_id=task_id, clip_id=_opt_str(d, "clip_id"), message=_str(d, "message"), raw=dict(d))


@dataclass(frozen=True)
class UploadResult:
    """A sonic/riffusion upload: ``clip_id`` always; ``task_id`` when sent with a webhook (async)."""

    clip_id: str
    task_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Any) -> UploadResult:
        d = _obj(data, "an upload answer")
        clip_id = _str(d, "clip_id") or _str(_dict(d, "data"), "clip_id")
        if not clip_id:
            raise ProtocolError("the upload answer has no 'clip_id'")
        return cls(clip_id=clip_id, task_id=_opt_str(d, "task_id"), raw=dict(d))


@dataclass(frozen=True)
class PersonaCreated:
    persona_id: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Any) -> PersonaCreated:
        d = _obj(data, "a persona answer")
        return cls(persona_id=_str(d, "persona_id") or _str(_dict(d, "data"), "persona_id"), raw=dict(d))


def _data(data: Any, what: str) -> dict[str, Any]:
    return _dict(_obj(data, what), "data")


@dataclass(frozen=True)
class Bpm:
    """Tempo from the clip's tempo map, in beats per minute."""

    avg_bpm: float
    max_bpm: float
    min_bpm: float

    @classmethod
    def from_dict(cls, data: Any) -> Bpm:
        d = _data(data, "a bpm answer")
        return cls(avg_bpm=_float(d, "avg_bpm"), max_bpm=_float(d, "max_bpm"), min_bpm=_float(d, "min_bpm"))


@dataclass(frozen=True)
class Vox:
    """An isolated vocal excerpt (``/sonic/vox``); ``waveform_aggregates`` are the peak mip-maps."""

    vox_audio_id: str
    status: str
    source_clip_id: str | None
    vocal_start_s: float | None
    vocal_end_s: float | None
    vocal_audio_url: str | None
    waveform_aggregates: list[dict[str, Any]] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Any) -> Vox:
        d = _data(data, "a vox answer")
        waves = _list(_dict(d, "wave_response"), "waveform_aggregates")
        return cls(
            vox_audio_id=_str(d, "vox_audio_id"),
            status=_str(d, "status"),
            source_clip_id=_opt_str(d, "source_clip_id"),
            vocal_start_s=_opt_float(d, "vocal_start_s"),
            vocal_end_s=_opt_float(d, "vocal_end_s"),
            vocal_audio_url=_opt_str(d, "vocal_audio_url"),
            waveform_aggregates=[w for w in waves if isinstance(w, dict)],
            raw=d,
        )


@dataclass(frozen=True)
class MidiNote:
    pitch: int
    start_s: float
    end_s: float
    velocity: int


@dataclass(frozen=True)
class MidiInstrument:
    name: str
    program: int
    is_drum: bool
    notes: list[MidiNote]


@dataclass(frozen=True)
class MidiResult:
    """``/sonic/midi``: the file URL and the notes per instrument (times in seconds)."""

    midi_url: str | None
    instruments: list[MidiInstrument]

    @classmethod
    def from_dict(cls, data: Any) -> MidiResult:
        d = _data(data, "a midi answer")
        instruments = []
        for inst in _list(d, "instruments"):
            if not isinstance(inst, dict):
                continue
            notes = [
                MidiNote(
                    pitch=_int(n, "pitch"),
                    start_s=_float(n, "start_s"),
                    end_s=_float(n, "end_s"),
                    velocity=_int(n, "velocity"),
                )
                for n in _list(inst, "notes")
                if isinstance(n, dict)
            ]
            instruments.append(
                MidiInstrument(
                    name=_str(inst, "name"),
                    program=_int(inst, "program"),
                    is_drum=bool(inst.get("is_drum", False)),
                    notes=notes,
                )
            )
        return cls(midi_url=_opt_str(d, "midi_url"), instruments=instruments)


@dataclass(frozen=True)
class AlignedWord:
    """One word of ``/sonic/aligned-lyrics``; ``word`` keeps its trailing space or newline."""

    word: str
    start_s: float
    end_s: float
    p_align: float = 1.0
    success: bool = True

    @classmethod
    def list_from_dict(cls, data: Any) -> list[AlignedWord]:
        d = _data(data, "an aligned-lyrics answer")
        return [
            cls(
                word=_str(w, "word"),
                start_s=_float(w, "start_s"),
                end_s=_float(w, "end_s"),
                p_align=_float(w, "p_align", 1.0),
                success=bool(w.get("success", True)),
            )
            for w in _list(d, "alignment")
            if isinstance(w, dict)
        ]


@dataclass(frozen=True)
class DownloadUrls:
    """``/sonic/download``: ``urls`` maps format → URL. ``preparing`` is True on the free 202
    answer (encoding continues; call again)."""

    clip_id: str
    urls: dict[str, str]
    preparing: bool = False

    @classmethod
    def from_dict(cls, data: Any, *, preparing: bool = False) -> DownloadUrls:
        d = _data(data, "a download answer")
        urls = {str(k): str(v) for k, v in _dict(d, "urls").items() if isinstance(v, str)}
        return cls(clip_id=_str(d, "clip_id"), urls=urls, preparing=preparing)


@dataclass(frozen=True)
class BatchItem:
    """One submitted batch item: ``task_id`` or, when rejected, ``error_code``/``error_message``."""

    index: int
    task_id: str | None
    error_code: int | None = None
    error_message: str | None = None


def _batch_error(item: Mapping[str, Any]) -> tuple[int | None, str | None]:
    err = item.get("error")
    if isinstance(err, dict):
        return _opt_int(err, "code"), _opt_str(err, "message")
    if isinstance(err, str):
        return None, err
    return None, None


@dataclass(frozen=True)
class BatchSubmitted:
    batch_id: str
    submitted: int
    tasks: list[BatchItem]

    @classmethod
    def from_dict(cls, data: Any) -> BatchSubmitted:
        d = _obj(data, "a batch answer")
        tasks = []
        for t in _list(d, "tasks"):
            if isinstance(t, dict):
                code, message = _batch_error(t)
                tasks.append(BatchItem(_int(t, "index"), _opt_str(t, "task_id"), code, message))
        return cls(batch_id=_str(d, "batch_id"), submitted=_int(d, "submitted"), tasks=tasks)


@dataclass(frozen=True)
class BatchTask:
    index: int
    task_id: str | None
    state: str | None
    clips: list[Clip]
    error_code: int | None = None
    error_message: str | None = None


@dataclass(frozen=True)
class BatchStatus:
    batch_id: str
    tasks: list[BatchTask]

    @classmethod
    def from_dict(cls, data: Any) -> BatchStatus:
        d = _obj(data, "a batch poll")
        tasks = []
        for t in _list(d, "tasks"):
            if isinstance(t, dict):
                code, message = _batch_error(t)
                tasks.append(
                    BatchTask(
                        index=_int(t, "index"),
                        task_id=_opt_str(t, "task_id"),
                        state=_opt_str(t, "state"),
                        clips=_clips(t.get("data")),
                        error_code=code,
                        error_message=message,
                    )
                )
        return cls(batch_id=_str(d, "batch_id"), tasks=tasks)


@dataclass(frozen=True)
class LyricsCandidate:
    title: str
    lyrics: str

    @classmethod
    def list_from_dict(cls, data: Any) -> list[LyricsCandidate]:
        d = _obj(data, "a lyrics answer")
        results = d.get("results")
        if not isinstance(results, list):
            results = _list(_dict(d, "data"), "results")
        return [cls(_str(r, "title"), _str(r, "lyrics")) for r in results if isinstance(r, dict)]


@dataclass(frozen=True)
class Credits:
    """``/get-credits``: spendable credits (reserved ones excluded); ``extra_credits`` are spent first."""

    credits: int
    extra_credits: int

    @classmethod
    def from_dict(cls, data: Any) -> Credits:
        d = _obj(data, "a credits answer")
        if "credits" not in d and isinstance(d.get("data"), dict):
            d = d["data"]
        return cls(credits=_int(d, "credits"), extra_credits=_int(d, "extra_credits"))

    @property
    def total(self) -> int:
        return self.credits + self.extra_credits


# --- tunesmith additions (§13) ---------------------------------------------------------------------


@dataclass(frozen=True)
class TaskSummary:
    """One item of ``GET /api/v1/tasks``."""

    task_id: str
    family: str
    task_type: str
    state: str
    created_at: str
    finished_at: str | None
    credits: int
    clip_ids: list[str]

    @classmethod
    def from_dict(cls, data: Any) -> TaskSummary:
        d = _obj(data, "a task summary")
        return cls(
            task_id=_str(d, "task_id"),
            family=_str(d, "family"),
            task_type=_str(d, "task_type"),
            state=_str(d, "state"),
            created_at=_str(d, "created_at"),
            finished_at=_opt_str(d, "finished_at"),
            credits=_int(d, "credits"),
            clip_ids=[str(x) for x in _list(d, "clip_ids")],
        )


@dataclass(frozen=True)
class TaskPage:
    tasks: list[TaskSummary]
    next_cursor: str | None

    @classmethod
    def from_dict(cls, data: Any) -> TaskPage:
        d = _obj(data, "a task list")
        return cls([TaskSummary.from_dict(t) for t in _list(d, "data")], _opt_str(d, "next_cursor"))


@dataclass(frozen=True)
class TaskDetail:
    """``GET /api/v1/tasks/{task_id}``: the summary plus the clips and the submitted request."""

    summary: TaskSummary
    clips: list[Clip]
    request: dict[str, Any]

    @classmethod
    def from_dict(cls, data: Any) -> TaskDetail:
        d = _data(data, "a task")
        return cls(TaskSummary.from_dict(d), _clips(d.get("clips")), _dict(d, "request"))


@dataclass(frozen=True)
class DeliveryAttempt:
    attempt: int
    at: str
    status_code: int | None
    duration_ms: int | None
    error: str | None


@dataclass(frozen=True)
class WebhookDelivery:
    """One webhook delivery; ``status`` is ``pending``, ``retrying``, ``delivered`` or ``failed``."""

    delivery_id: str
    task_id: str
    event: str
    url: str
    status: str
    attempt_count: int
    next_attempt_at: str | None
    created_at: str
    attempts: list[DeliveryAttempt]

    @classmethod
    def from_dict(cls, data: Any) -> WebhookDelivery:
        d = _obj(data, "a webhook delivery")
        attempts = [
            DeliveryAttempt(
                attempt=_int(a, "attempt"),
                at=_str(a, "at"),
                status_code=_opt_int(a, "status_code"),
                duration_ms=_opt_int(a, "duration_ms"),
                error=_opt_str(a, "error"),
            )
            for a in _list(d, "attempts")
            if isinstance(a, dict)
        ]
        return cls(
            delivery_id=_str(d, "delivery_id"),
            task_id=_str(d, "task_id"),
            event=_str(d, "event"),
            url=_str(d, "url"),
            status=_str(d, "status"),
            attempt_count=_int(d, "attempt_count"),
            next_attempt_at=_opt_str(d, "next_attempt_at"),
            created_at=_str(d, "created_at"),
            attempts=attempts,
        )


@dataclass(frozen=True)
class DeliveryPage:
    deliveries: list[WebhookDelivery]
    next_cursor: str | None

    @classmethod
    def from_dict(cls, data: Any) -> DeliveryPage:
        d = _obj(data, "a delivery list")
        return cls([WebhookDelivery.from_dict(x) for x in _list(d, "data")], _opt_str(d, "next_cursor"))


@dataclass(frozen=True)
class Health:
    """``GET /health``: ``status`` is ``ok`` or ``degraded``; ``checks`` names each dependency."""

    status: str
    version: str
    checks: dict[str, str]

    @classmethod
    def from_dict(cls, data: Any) -> Health:
        d = _obj(data, "a health answer")
        checks = {str(k): str(v) for k, v in _dict(d, "checks").items()}
        return cls(status=_str(d, "status"), version=_str(d, "version"), checks=checks)

    @property
    def ok(self) -> bool:
        return self.status == "ok"
