"""The riffusion, producer, studio and nuro families (API.md §5–§8): submissions mapped onto the
same engine and edit operations as the sonic family, and each family's poll shape.

Every family task is stored with its ``family``; its clips are made by the handlers of
:mod:`tunesmith.jobs.handlers` (``create_clip`` for new songs, ``edit_clip`` for edits, chosen by
the task's ``task_type``; :data:`FAMILY_HANDLERS` adds the family-only task types). Edits put the
operation in the request (``op``), exactly as :mod:`tunesmith.jobs.edits` does:

- extend → ``extend`` with ``auto_concat`` (these families return full songs);
- cover → ``cover`` (``audio_weight`` from producer's ``strength``);
- replace → ``replace`` (the §4.10 splice: audio outside the window kept);
- swap sound → ``add_instrumental`` in the ``sound`` style (the vocal kept);
- swap vocals → ``add_vocals`` (the accompaniment kept, the words re-sung in the voice ``sound`` names);
- producer variation → ``remaster`` (``strength`` → subtle / normal / high).
"""

from __future__ import annotations

import copy
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from datetime import datetime
from typing import Any

import numpy as np

from tunesmith.blobs.store import BlobStore
from tunesmith.engines.base import EngineResult, SongFacts
from tunesmith.errors import InvalidParameter
from tunesmith.jobs.context import Services
from tunesmith.jobs.edits import edit_clip
from tunesmith.jobs.service import check_queue
from tunesmith.jobs.views import clip_view
from tunesmith.music import bundle
from tunesmith.music.audio import AudioBuffer
from tunesmith.music.edit import render_edit
from tunesmith.music.produce import sung_lyrics
from tunesmith.music.progress import Progress
from tunesmith.music.score import Score
from tunesmith.settings import Settings
from tunesmith.store.repos import ApiKey, Clip, NewClip, Task, iso_ms, new_id

EDIT_ENGINE = "procedural"
INSTRUMENTAL = "[Instrumental]"
NO_VOCALS = "The clip has no vocals."
MIN_WINDOW_S = 2.0
MAX_WINDOW_S = 60.0


def num_text(value: float) -> str:
    """A number as the contract prints it: 2 decimals at most, no trailing zeros."""
    return f"{round(float(value), 2):g}"


@dataclass(frozen=True)
class FamilyJob:
    """Everything a family submission stores: the task, its pending clips, its price."""

    family: str
    task_type: str
    """The task's type (selects the handler)."""
    clip_task_type: str
    """``metadata.task_type`` of its clips."""
    price_op: str
    count: int
    request: dict[str, Any]
    mv: str | None
    seed: int | None
    quality: str = "standard"
    title: str = ""
    tags: str = ""
    negative_tags: str | None = None
    lyrics: str = ""
    gpt_description_prompt: str | None = None
    style_weight: float | None = None
    weirdness_constraint: float | None = None
    source: Clip | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def submit_job(services: Services, key: ApiKey, job: FamilyJob) -> Task:
    """Reserve the price and persist the task with ``job.count`` pending clips (seed + i), enqueue."""
    check_queue(services)
    base_seed = job.seed if job.seed is not None else secrets.randbelow(2**32 - job.count)
    engine = EDIT_ENGINE if job.source is not None else services.engine_name(job.mv)
    clips = [
        NewClip(
            id=new_id(),
            idx=i,
            title=job.title,
            tags=job.tags,
            negative_tags=job.negative_tags,
            lyrics=job.lyrics,
            gpt_description_prompt=job.gpt_description_prompt,
            mv=job.mv,
            style_weight=job.style_weight,
            weirdness_constraint=job.weirdness_constraint,
            task_type=job.clip_task_type,
            origin="generated",
            seed=(base_seed + i) % 2**32,
            engine=engine,
            quality=job.quality,
            source_clip_id=job.source.id if job.source is not None else None,
            extra=dict(job.extra),
        )
        for i in range(job.count)
    ]
    task = services.store.create_task(
        key_id=key.id,
        family=job.family,
        task_type=job.task_type,
        request=job.request,
        webhook_url=job.webhook_url,
        webhook_secret=job.webhook_secret,
        price=services.settings.billing.price(job.price_op),
        engine=engine,
        timeout_s=services.settings.jobs.timeout_s,
        clips=clips,
    )
    services.queue.enqueue_task(task.id)
    return task


def source_clip(services: Services, key: ApiKey, clip_id: str, field_name: str) -> Clip:
    """The caller's succeeded clip ``clip_id`` (``clip not found.`` / ``clip is not ready.``)."""
    from tunesmith.jobs.analysis import source_clip as succeeded_clip

    return succeeded_clip(services, key, clip_id, field=field_name)


def has_vocals(clip: Clip) -> bool:
    text = clip.lyrics.strip()
    return bool(text) and text != INSTRUMENTAL


def voice_gender(text: str | None) -> str | None:
    """``"f"``/``"m"`` when a voice description names one (``"female vocals"``), else None."""
    words = set((text or "").lower().replace(",", " ").replace("/", " ").split())
    if words & {"female", "woman", "women", "girl", "feminine", "soprano", "alto"}:
        return "f"
    if words & {"male", "man", "men", "boy", "masculine", "baritone", "tenor", "bass-baritone"}:
        return "m"
    return None


def create_request(
    stored: dict[str, Any],
    *,
    tags: str | None,
    title: str | None = None,
    lyrics: str | None = None,
    brief: str | None = None,
    description: str | None = None,
    instrumental: bool = False,
    duration: float | None = None,
    vocal_gender: str | None = None,
    negative_tags: str | None = None,
    style_weight: float | None = None,
    weirdness: float | None = None,
) -> dict[str, Any]:
    """A request read by :func:`tunesmith.jobs.runner.spec_for` (new songs)."""
    return {
        "_sent": stored,
        "title": title,
        "tags": tags,
        "negative_tags": negative_tags,
        "make_instrumental": instrumental,
        "lyrics": lyrics,
        "auto_lyrics_brief": brief,
        "gpt_description_prompt": description,
        "duration": duration,
        "vocal_gender": vocal_gender,
        "style_weight": style_weight,
        "weirdness_constraint": weirdness,
    }


def edit_request(
    stored: dict[str, Any],
    op: str,
    source: Clip,
    *,
    tags: str | None = None,
    title: str | None = None,
    lyrics: str | None = None,
    continue_at: float | None = None,
    audio_weight: float | None = None,
    variation: str | None = None,
    duration: float | None = None,
    vocal_gender: str | None = None,
    auto_concat: bool = False,
    window: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """A request read by :func:`tunesmith.jobs.edits.edit_clip` (``op`` names the operation)."""
    request: dict[str, Any] = {
        "_sent": stored,
        "op": op,
        "source_clip_id": source.id,
        "title": title,
        "tags": tags,
        "negative_tags": None,
        "lyrics": lyrics,
        "gpt_description_prompt": None,
        "make_instrumental": False,
        "continue_at": continue_at,
        "audio_weight": audio_weight,
        "variation_category": variation,
        "overpainting_start_s": None,
        "overpainting_end_s": None,
        "duration": duration,
        "vocal_gender": vocal_gender,
        "auto_concat": auto_concat,
    }
    if window is not None:
        request["infill_start_s"], request["infill_end_s"] = window
    return request


def swap_vocals_request(
    stored: dict[str, Any],
    source: Clip,
    lyrics: str | None,
    sound: str | None,
    title: str | None,
    field_name: str,
) -> dict[str, Any]:
    """The request of a vocal swap (riffusion and producer ``swap_music_vocals``): ``op``
    ``swap_vocals`` (the source's melody re-sung by the voice ``sound`` names; new words on it if
    ``lyrics``) when the source sings or is an upload; ``add_vocals`` (a new vocal for ``lyrics``)
    when it is our instrumental.
    ``The clip has no vocals.`` when it does not sing and no lyrics are given."""
    if source.origin != "upload" and not has_vocals(source):  # an upload's vocal is found when it runs
        if lyrics is None:
            raise InvalidParameter(NO_VOCALS, field=field_name)
        return edit_request(
            stored, "add_vocals", source, title=title, lyrics=lyrics, vocal_gender=voice_gender(sound)
        )
    request = edit_request(
        stored, "add_vocals", source, title=title, lyrics=lyrics, vocal_gender=voice_gender(sound)
    )
    request["op"] = "swap_vocals"
    return request


def check_window(start: float, end: float, duration: float, start_name: str, end_name: str) -> None:
    """``0 ≤ start < end ≤ duration`` and a 2–60 s window (API.md §4.10)."""
    if start >= duration:
        raise InvalidParameter(
            f"The '{start_name}' field should be between 0 and {num_text(duration)}.", field=start_name
        )
    if end <= start:
        raise InvalidParameter(
            f"The '{end_name}' field should be greater than '{start_name}'.", field=end_name
        )
    low = start + MIN_WINDOW_S
    high = min(start + MAX_WINDOW_S, duration)
    if not low - 1e-9 <= end <= high + 1e-9:
        raise InvalidParameter(
            f"The '{end_name}' field should be between {num_text(low)} and {num_text(high)}.", field=end_name
        )


def check_continue_at(value: float, duration: float, name: str) -> None:
    if not 0 < value <= duration + 1e-9:
        raise InvalidParameter(
            f"The '{name}' field should be between 0 and {num_text(duration)}.", field=name
        )


def _spellings(option: str) -> list[str]:
    """How an enum value may be written in free text: ``"Hip Hop/Rap"`` → hip hop, rap;
    ``"Sweet_AUDIO_TIMBRE"`` → sweet; ``"dance/edm"`` → dance, edm (lower case)."""
    base = option.replace("_AUDIO_TIMBRE", "").lower()
    return [p.strip() for p in base.split("/") if p.strip()]


def predict(options: list[str], text: str, seed: int, salt: str) -> str:
    """An omitted nuro enum predicted from ``text`` and ``seed``, deterministically: the option the
    text names first (whole words, any case; the longest name at the same place), else a choice
    by a hash of the text and seed."""
    import re

    lowered = text.lower()
    best: tuple[int, int, str] | None = None
    for option in options:
        for spelling in _spellings(option):
            found = re.search(rf"(?<![a-z]){re.escape(spelling)}(?![a-z])", lowered)
            if found is not None:
                key = (found.start(), -len(spelling), option)
                if best is None or key < best:
                    best = key
    if best is not None:
        return best[2]
    digest = hashlib.sha256(f"{salt}\x00{seed}\x00{text}".encode()).digest()
    return options[int.from_bytes(digest[:4], "big") % len(options)]


# ----- poll views -------------------------------------------------------------------------------


def lyric_lines(blobs: BlobStore, clip: Clip) -> dict[str, Any]:
    """Riffusion's ``timestamp``: ``{"lines": [{"text", "start_s", "end_s"}]}`` from the clip's
    word timeline (``lyrics.json`` in ``blobs``); ``{}`` for instrumentals and until the clip
    succeeds."""
    if clip.state != "succeeded" or not has_vocals(clip) or bundle.LYRICS not in clip.files:
        return {}
    try:
        timeline = json.loads(blobs.get(f"clips/{clip.id}/{bundle.LYRICS}"))
    except Exception:
        return {}
    lines: list[dict[str, Any]] = []
    current: Any = object()
    for item in timeline:
        index = item.get("line_index")
        if not lines or index != current:
            lines.append({"text": str(item["word"]), "start_s": float(item["start_s"]), "end_s": 0.0})
            current = index
        else:
            lines[-1]["text"] += " " + str(item["word"])
        lines[-1]["end_s"] = round(float(item["end_s"]), 2)
        lines[-1]["start_s"] = round(float(lines[-1]["start_s"]), 2)
    return {"lines": lines} if lines else {}


def riffusion_poll(services: Services, clips: list[Clip]) -> dict[str, Any]:
    return riffusion_body(services.settings, services.blobs, clips)


def riffusion_body(settings: Settings, blobs: BlobStore, clips: list[Clip]) -> dict[str, Any]:
    """The riffusion poll body: sonic clips, each with its ``timestamp`` lines."""
    data = []
    for clip in clips:
        view = clip_view(settings, clip)
        view["timestamp"] = lyric_lines(blobs, clip)
        data.append(view)
    return {"code": 200, "message": "success", "data": data}


def producer_status(clips: list[Clip]) -> str:
    states = [c.state for c in clips]
    if states and all(s == "pending" for s in states):
        return "PENDING"
    if any(s not in ("succeeded", "failed") for s in states):
        return "RUNNING"
    return "SUCCESS" if any(s == "succeeded" for s in states) else "FAILED"


def producer_item(settings: Settings, clip: Clip) -> dict[str, Any]:
    view = clip_view(settings, clip)
    item: dict[str, Any] = {
        "clip_id": clip.id,
        "state": clip.state,
        "title": clip.title,
        "sound": clip.tags,
        "lyrics": clip.lyrics,
        "audio_url": view["audio_url"],
        "wav_url": view["metadata"]["wav_url"],
        "image_url": view["image_url"],
        "video_url": view["video_url"],
        "created_at": view["created_at"],
        "mv": clip.mv,
        "seed": str(clip.seed) if clip.seed is not None else None,
        "duration": view["duration"],
    }
    if "download_url" in clip.extra:
        item["download_url"] = clip.extra["download_url"]
    if clip.state == "failed":
        item["error_message"] = view.get("error_message")
    item["metadata"] = view["metadata"]
    return item


def producer_poll(settings: Settings, clips: list[Clip]) -> dict[str, Any]:
    return {
        "code": 200,
        "status": producer_status(clips),
        "message": "success",
        "data": [producer_item(settings, c) for c in clips],
    }


def task_percent(task: Task) -> int:
    """Progress 0..100: 0 pending, 1..99 running (clips done + the stage's share), 100 succeeded,
    the last running value (≤ 99) when failed."""
    if task.state == "succeeded":
        return 100
    if task.state == "pending" and task.started_at is None:
        return 0
    clips = max(1, len(task.clip_ids))
    share = task.progress_done / task.progress_total if task.progress_total else 0.0
    return max(1, min(99, round(100 * share / clips)))


def _unix(moment: datetime | None) -> int:
    return int(moment.timestamp()) if moment is not None else 0


STUDIO_STATUS = {
    "pending": "NOT_START",
    "running": "IN_PROGRESS",
    "succeeded": "SUCCESS",
    "failed": "FAILURE",
}


def studio_song(settings: Settings, clip: Clip) -> dict[str, Any]:
    view = clip_view(settings, clip)
    return {
        "id": clip.id,
        "state": clip.state,
        "title": clip.title,
        "artist": "tunesmith",
        "tags": [t.strip() for t in clip.tags.split(",") if t.strip()],
        "lyrics": clip.lyrics,
        "audio_url": view["audio_url"],
        "image_url": view["image_url"],
        "video_url": view["video_url"],
        "duration": view["duration"],
        "created_at": view["created_at"],
        "liked": False,
        "likes": 0,
        "plays": 0,
        "metadata": view["metadata"],
    }


def studio_poll(settings: Settings, task: Task, clips: list[Clip]) -> dict[str, Any]:
    state = task.state if task.state in STUDIO_STATUS else "running"
    if state == "pending" and task.started_at is not None:
        state = "running"
    fail_reason = ""
    if state == "failed":
        fail_reason = next((c.error_message or "" for c in clips if c.error_message), "Generation failed.")
    return {
        "code": "success",
        "message": "",
        "data": {
            "task_id": task.id,
            "notify_hook": task.webhook_url or "",
            "action": "studio-generate",
            "status": STUDIO_STATUS[state],
            "fail_reason": fail_reason,
            "submit_time": _unix(task.created_at),
            "start_time": _unix(task.started_at),
            "finish_time": _unix(task.finished_at),
            "progress": f"{task_percent(task)}%",
            "data": {"songs": [studio_song(settings, c) for c in clips]},
        },
    }


def nuro_poll(settings: Settings, task: Task, clips: list[Clip]) -> dict[str, Any]:
    clip = clips[0]
    view = clip_view(settings, clip)
    facts = task.request.get("nuro", {})
    done = clip.state == "succeeded"
    answer: dict[str, Any] = {
        "task_id": task.id,
        "clip_id": clip.id,
        "status": clip.state,
        "progress": 100 if done else min(99, task_percent(task)),
        "audio_url": view["metadata"]["wav_url"],
        "image_url": view["image_url"],
        "lyrics": clip.lyrics if facts.get("mode") == "vocal" else INSTRUMENTAL,
        "duration": view["duration"],
        "genre": facts.get("genre"),
        "mood": facts.get("mood"),
        "gender": facts.get("gender"),
        "timbre": facts.get("timbre"),
        "created_at": view["created_at"],
    }
    if clip.state == "failed":
        answer["error_message"] = view.get("error_message")
    metadata = dict(view["metadata"])
    metadata["mp3_url"] = view["audio_url"]
    answer["metadata"] = metadata
    return answer


# ----- handlers ---------------------------------------------------------------------------------


def iso(moment: datetime | None) -> str | None:
    return iso_ms(moment) if moment is not None else None


# ----- nuro (§8) --------------------------------------------------------------------------------

NURO_VOCAL_GENRES = [
    "Folk", "Pop", "Rock", "Chinese Style", "Hip Hop/Rap", "R&B/Soul", "Punk", "Electronic", "Jazz",
    "Reggae", "DJ", "Pop Punk", "Disco", "Future Bass", "Pop Rap", "Trap Rap", "R&B Rap",
    "Chinoiserie Electronic", "GuFeng Music", "Pop Rock", "Jazz Pop", "Bossa Nova", "Contemporary R&B",
]  # fmt: skip
NURO_VOCAL_MOODS = [
    "Happy", "Dynamic/Energetic", "Sentimental/Melancholic/Lonely", "Inspirational/Hopeful",
    "Nostalgic/Memory", "Excited", "Sorrow/Sad", "Chill", "Romantic", "Miss", "Groovy/Funky",
    "Dreamy/Ethereal", "Calm/Relaxing",
]  # fmt: skip
NURO_GENDERS = ["Female", "Male"]
NURO_TIMBRES = [
    "Warm", "Bright", "Husky", "Electrified voice", "Sweet_AUDIO_TIMBRE", "Cute_AUDIO_TIMBRE",
    "Loud and sonorous", "Powerful", "Sexy/Lazy",
]  # fmt: skip
NURO_BGM_GENRES = [
    "corporate", "dance/edm", "orchestral", "chill out", "rock", "hip hop", "folk", "funk", "ambient",
    "holiday", "jazz", "kids", "world", "travel", "commercial", "advertising", "driving", "cinematic",
    "upbeat", "epic", "inspiring", "business", "video game", "dark", "pop", "trailer", "modern",
    "electronic", "documentary", "soundtrack", "fashion", "acoustic", "movie", "tv", "high tech",
    "industrial", "dance", "video", "vlog", "marketing", "game", "radio", "promotional", "sports",
    "party", "summer", "beauty",
]  # fmt: skip
NURO_BGM_MOODS = [
    "positive", "uplifting", "energetic", "happy", "bright", "optimistic", "hopeful", "cool", "dreamy",
    "fun", "light", "powerful", "calm", "confident", "joyful", "dramatic", "peaceful", "playful", "soft",
    "groovy", "reflective", "easy", "relaxed", "lively", "smooth", "romantic", "intense", "elegant",
    "mellow", "emotional", "sentimental", "cheerful happy", "contemplative", "soothing", "proud",
    "passionate", "sweet", "mystical", "tranquil", "cheerful", "casual", "beautiful", "ethereal",
    "melancholy", "sad", "aggressive", "haunting", "adventure", "serene", "sincere", "funky", "funny",
]  # fmt: skip
NURO_INSTRUMENTS = [
    "piano", "drums", "guitar", "percussion", "synth", "electric guitar", "acoustic guitar",
    "bass guitar", "brass", "violin", "cello", "flute", "organ", "trumpet", "ukulele", "saxophone",
    "double bass", "harp", "glockenspiel", "synthesizer", "keyboard", "marimba", "bass", "banjo",
    "strings",
]  # fmt: skip
NURO_THEMES = [
    "inspirational", "motivational", "achievement", "discovery", "every day", "love", "technology",
    "lifestyle", "journey", "meditation", "drama", "children", "hope", "fantasy", "holiday", "health",
    "family", "real estate", "media", "kids", "science", "education", "progress", "world", "vacation",
    "training", "christmas", "sales",
]  # fmt: skip
NURO_THEME_TAGS = {
    "inspirational": "uplifting", "motivational": "energetic, driving", "achievement": "triumphant",
    "discovery": "curious, bright", "every day": "easy, light", "love": "romantic",
    "technology": "electronic, synth", "lifestyle": "chill, groovy", "journey": "adventurous",
    "meditation": "calm, slow, pad", "drama": "dramatic", "children": "playful, glockenspiel",
    "hope": "hopeful", "fantasy": "mystical", "holiday": "festive, bells", "health": "bright, light",
    "family": "gentle, piano", "real estate": "elegant, piano", "media": "modern", "kids": "playful, ukulele",
    "science": "curious, synth", "education": "light, piano", "progress": "uplifting, driving",
    "world": "world", "vacation": "tropical, sunny", "training": "energetic, fast",
    "christmas": "christmas, bells", "sales": "upbeat",
}  # fmt: skip
"""Nuro bgm ``theme`` → style tags the composer resolves (moods, tempo words, instruments)."""


def nuro_bgm_tags(genres: list[str], moods: list[str], instruments: list[str], description: str,
                  themes: list[str]) -> str:  # fmt: skip
    """The style tags of a nuro bgm clip: the genre, mood and instrument lists, then what the
    ``description`` says (its moods, tempo feel and instruments, read by
    :func:`~tunesmith.music.lyrics.describe.read_description`), then each ``theme``'s tags
    (:data:`NURO_THEME_TAGS`). Duplicates are dropped; the first mention keeps its place."""
    from tunesmith.music.lyrics.describe import read_description

    words: list[str] = [*genres, *moods, *instruments]
    if description.strip():
        read = read_description(description, field="description", max_chars=max(1000, len(description)))
        words += list(read.moods)
        if read.tempo_feel in ("slow", "fast"):
            words.append(read.tempo_feel)
        words += list(read.instruments)
    for theme in themes:
        words += [w.strip() for w in NURO_THEME_TAGS.get(theme, "").split(",") if w.strip()]
    seen: set[str] = set()
    out = []
    for word in words:
        if word.lower() not in seen:
            seen.add(word.lower())
            out.append(word)
    return ", ".join(out)


NURO_MIN_RENDER_S = 10.0
"""Shortest nuro render (the composer's minimum song length); v1.0 allows 1..60 s."""
NURO_SEGMENT_COMPOSE_S = 90.0
"""Length of the composition v2.0 segments are arranged from (long enough for every section kind)."""
NURO_SEGMENT_NAMES = ["intro", "verse", "chorus", "bridge", "inst", "outro"]
_NURO_TAGS = {"inst": "Instrumental", "pre-chorus": "Pre-Chorus"}


@dataclass(frozen=True)
class NuroRequest:
    """A type-checked ``/nuro/create`` body (API.md §8)."""

    mode: str
    lyrics: str | None
    description: str | None
    gender: str | None
    genre: list[str]
    mood: list[str]
    timbre: str | None
    instrument: list[str]
    theme: list[str]
    version: str
    duration: int | None
    segments: list[dict[str, Any]]
    seed: int | None
    webhook_url: str | None
    webhook_secret: str | None
    stored: dict[str, Any]


def _voice_words(value: str) -> str:
    return value.replace("_AUDIO_TIMBRE", "").replace("/", ", ").lower()


def nuro_lyrics(text: str) -> str:
    """Nuro lyrics with the section tags spelled as the composer reads them (``[inst]`` →
    ``[Instrumental]``, any case)."""
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            name = stripped[1:-1].strip().lower()
            out.append(f"[{_NURO_TAGS.get(name, name.title())}]")
        else:
            out.append(line)
    return "\n".join(out)


def submit_nuro(services: Services, key: ApiKey, req: NuroRequest) -> Task:
    """One clip, 10 credits. Vocal: the lyrics sung in the genre/mood/voice asked (predicted from the
    lyrics and seed when omitted). BGM: an instrumental in the genre/mood/instrument lists."""
    base_seed = req.seed if req.seed is not None else secrets.randbelow(2**32 - 1)
    if req.mode == "vocal":
        text = req.lyrics or ""
        genre = req.genre[0] if req.genre else predict(NURO_VOCAL_GENRES, text, base_seed, "genre")
        mood = req.mood[0] if req.mood else predict(NURO_VOCAL_MOODS, text, base_seed, "mood")
        gender = req.gender or predict(NURO_GENDERS, text, base_seed, "gender")
        timbre = req.timbre or predict(NURO_TIMBRES, text, base_seed, "timbre")
        tags = f"{_voice_words(genre)}, {_voice_words(mood)}, {_voice_words(timbre)} {gender.lower()} vocals"
        lyrics = nuro_lyrics(text)
        request = create_request(
            req.stored,
            tags=tags,
            lyrics=lyrics,
            duration=float(req.duration) if req.duration is not None else None,
            vocal_gender="f" if gender == "Female" else "m",
        )
        facts: dict[str, Any] = {
            "mode": "vocal",
            "genre": genre,
            "mood": mood,
            "gender": gender,
            "timbre": timbre,
        }
        task_type, clip_lyrics = "nuro_vocal", lyrics
    else:
        text = req.description or ""
        genres = list(req.genre)
        moods = list(req.mood)
        if not genres:
            genres = [predict(NURO_BGM_GENRES, text, base_seed, "genre")]
        if not moods:
            moods = [predict(NURO_BGM_MOODS, text, base_seed, "mood")]
        tags = nuro_bgm_tags(genres, moods, list(req.instrument), text, list(req.theme))
        duration = req.duration
        if duration is None:
            duration = sum(int(s["duration"]) for s in req.segments) if req.segments else 60
        # the composer's shortest song is 10 s (SongSpec): shorter v1.0 requests render 10 s
        render_s = max(float(duration), NURO_MIN_RENDER_S)
        request = create_request(req.stored, tags=tags, instrumental=True, duration=render_s)
        facts = {
            "mode": "bgm",
            "genre": ", ".join(genres),
            "mood": ", ".join(moods),
            "gender": None,
            "timbre": None,
            "instrument": list(req.instrument),
            "theme": list(req.theme),
            "version": req.version,
            "segments": list(req.segments),
            "duration": duration,
        }
        task_type, clip_lyrics = "nuro_bgm", INSTRUMENTAL
    request["nuro"] = facts
    job = FamilyJob(
        family="nuro",
        task_type=task_type,
        clip_task_type=task_type,
        price_op="nuro",
        count=1,
        request=request,
        mv=None,
        seed=base_seed,
        tags=tags,
        lyrics=clip_lyrics,
        webhook_url=req.webhook_url,
        webhook_secret=req.webhook_secret,
    )
    return submit_job(services, key, job)


# ----- riffusion (§5) ---------------------------------------------------------------------------

RIFFUSION_MODELS = ["FUZZ-1.1 Pro", "FUZZ-1.0 Pro", "FUZZ-1.1", "FUZZ-1.0"]
RIFFUSION_TASK_TYPES = [
    "create_music",
    "extend_music",
    "cover_music",
    "extend_upload_music",
    "cover_upload_music",
    "replace_music",
    "swap_music_sound",
    "swap_music_vocals",
    "replace_upload_music",
    "swap_upload_music_sound",
    "swap_upload_music_vocals",
]
RIFFUSION_CLIPS = 2


def plain_task_type(task_type: str) -> str:
    """``_upload_`` task types are synonyms of the plain ones."""
    return task_type.replace("_upload_", "_")


@dataclass(frozen=True)
class RiffusionRequest:
    """A type-checked ``/riffusion/create`` body (API.md §5)."""

    task_type: str
    custom_mode: bool
    mv: str
    lyrics: str | None
    prompt: str | None
    title: str | None
    sound: str | None
    make_instrumental: bool
    continue_clip_id: str | None
    continue_at: float | None
    replace_start: float | None
    replace_end: float | None
    replace_names: tuple[str, str]
    duration: float | None
    seed: int | None
    webhook_url: str | None
    webhook_secret: str | None
    stored: dict[str, Any]


def _required_for(name: str, task_type: str) -> InvalidParameter:
    return InvalidParameter(f"The '{name}' field is required when task_type = {task_type}.", field=name)


def submit_riffusion(services: Services, key: ApiKey, req: RiffusionRequest) -> Task:
    """Contract steps 6–8 of ``/riffusion/create``: 2 clips, 12 credits, every type."""
    from tunesmith.jobs.service import LYRICS_FORMAT, lyrics_format_ok

    plain = plain_task_type(req.task_type)
    shown = req.task_type
    if req.duration is not None and plain not in ("create_music", "extend_music", "cover_music"):
        raise InvalidParameter(
            f"The 'duration' field is not supported when task_type = {shown}.", field="duration"
        )
    common = dict(
        family="riffusion",
        task_type=req.task_type,
        clip_task_type=req.task_type,
        price_op="riffusion",
        count=RIFFUSION_CLIPS,
        mv=req.mv,
        seed=req.seed,
        webhook_url=req.webhook_url,
        webhook_secret=req.webhook_secret,
    )
    if plain == "create_music":
        if req.custom_mode:
            if not req.make_instrumental and not (req.lyrics or "").strip():
                raise InvalidParameter(
                    "The 'lyrics' field is required when custom_mode = true.", field="lyrics"
                )
            if not req.make_instrumental and not lyrics_format_ok(req.lyrics or ""):
                from tunesmith.errors import Forbidden

                raise Forbidden(LYRICS_FORMAT)
        elif not (req.prompt or "").strip():
            raise InvalidParameter("The 'prompt' field is required when custom_mode = false.", field="prompt")
        check_queue(services)
        lyrics = None if req.make_instrumental or not req.custom_mode else req.lyrics
        request = create_request(
            req.stored,
            tags=req.sound,
            title=req.title,
            lyrics=lyrics,
            description=None if req.custom_mode else req.prompt,
            instrumental=req.make_instrumental,
            duration=req.duration,
        )
        clip_lyrics = INSTRUMENTAL if req.make_instrumental else (lyrics or "")
        return submit_job(
            services,
            key,
            FamilyJob(
                request=request,
                title=req.title or "",
                tags=req.sound or "",
                lyrics=clip_lyrics,
                gpt_description_prompt=None if req.custom_mode else req.prompt,
                **common,  # type: ignore[arg-type]
            ),
        )
    if not req.continue_clip_id:
        raise _required_for("continue_clip_id", shown)
    if plain == "extend_music" and req.continue_at is None:
        raise _required_for("continue_at", shown)
    if plain == "replace_music":
        if req.replace_start is None:
            raise _required_for(req.replace_names[0], shown)
        if req.replace_end is None:
            raise _required_for(req.replace_names[1], shown)
    if plain.startswith("swap_") and not (req.sound or "").strip():
        raise _required_for("sound", shown)
    if req.lyrics and req.lyrics.strip() and not lyrics_format_ok(req.lyrics):
        from tunesmith.errors import Forbidden

        raise Forbidden(LYRICS_FORMAT)
    source = source_clip(services, key, req.continue_clip_id, "continue_clip_id")
    duration = float(source.duration_s or 0.0)
    lyrics = req.lyrics if req.lyrics and req.lyrics.strip() else None
    if plain == "extend_music":
        assert req.continue_at is not None
        check_continue_at(req.continue_at, duration, "continue_at")
        request = edit_request(
            req.stored, "extend", source, tags=req.sound, title=req.title, lyrics=lyrics,
            continue_at=req.continue_at, duration=req.duration, auto_concat=True,
        )  # fmt: skip
    elif plain == "cover_music":
        request = edit_request(
            req.stored, "cover", source, tags=req.sound or source.tags, title=req.title, lyrics=lyrics,
            duration=req.duration,
        )  # fmt: skip
    elif plain == "replace_music":
        assert req.replace_start is not None and req.replace_end is not None
        check_window(req.replace_start, req.replace_end, duration, *req.replace_names)
        request = edit_request(
            req.stored, "replace", source, tags=req.sound, lyrics=lyrics,
            window=(req.replace_start, req.replace_end),
        )  # fmt: skip
    elif plain == "swap_music_sound":
        request = edit_request(req.stored, "add_instrumental", source, tags=req.sound, title=req.title)
    else:  # swap_music_vocals
        request = swap_vocals_request(req.stored, source, lyrics, req.sound, req.title, "continue_clip_id")
    check_queue(services)
    if plain == "swap_music_vocals":
        common["quality"] = source.quality  # the kept accompaniment renders as the source's did
    return submit_job(
        services,
        key,
        FamilyJob(
            request=request,
            title=req.title if req.title is not None else source.title,
            tags=req.sound if req.sound is not None else source.tags,
            source=source,
            **common,  # type: ignore[arg-type]
        ),
    )


# ----- studio (§7) ------------------------------------------------------------------------------

STUDIO_MODELS = {"studio32-v1.5": 32.0, "studio130-v1.5": 130.0}
STUDIO_PRICE = {"studio32-v1.5": "studio32", "studio130-v1.5": "studio130"}
STUDIO_CLIPS = 2


@dataclass(frozen=True)
class StudioRequest:
    """A type-checked ``/studio/create`` body (API.md §7)."""

    prompt: str
    lyrics_type: str
    lyrics: str | None
    bypass_prompt_optimization: bool
    seed: int | None
    prompt_strength: float
    generation_quality: float
    negative_prompt: str | None
    model_type: str
    mode: str
    song_id: str | None
    context_length: float
    webhook_url: str | None
    webhook_secret: str | None
    stored: dict[str, Any]
    song_section: tuple[float, float] = (0.0, 1.0)
    """``song_section_start`` / ``_end``: the clip's place in a notional whole song."""
    lyrics_placement: tuple[float, float] = (0.0, 1.0)
    """``lyrics_placement_start`` / ``_end``: the part of the clip where vocals may sound."""
    clarity_strength: float = 0.25
    lyrics_strength: float = 0.5

    def shaping(self) -> dict[str, Any]:
        """The shaping fields as the studio handlers read them (``request["studio"]``)."""
        return {
            "song_section": list(self.song_section),
            "lyrics_placement": list(self.lyrics_placement),
            "clarity_strength": self.clarity_strength,
            "lyrics_strength": self.lyrics_strength,
            "context_length": self.context_length,
        }


def submit_studio(services: Services, key: ApiKey, req: StudioRequest) -> Task:
    """2 songs of the model's length (32 or 130 s); 15 or 30 credits. ``generate`` writes the lyrics
    from ``prompt``; ``continuation`` returns the source followed by new material (of the model's
    length); ``precede`` returns new material (the model's length, in whole bars) ending where the
    source begins, then the source."""
    from tunesmith.errors import Forbidden
    from tunesmith.jobs.service import LYRICS_FORMAT, lyrics_format_ok
    from tunesmith.music.style.upsample import upsample_tags

    length_s = STUDIO_MODELS[req.model_type]
    quality = "draft" if req.generation_quality < 0.5 else "standard"
    if req.lyrics_type == "user" and not lyrics_format_ok(req.lyrics or ""):
        raise Forbidden(LYRICS_FORMAT)
    tags = req.prompt if req.bypass_prompt_optimization else upsample_tags(req.prompt, seed=req.seed or 0)
    common = dict(
        family="studio",
        price_op=STUDIO_PRICE[req.model_type],
        count=STUDIO_CLIPS,
        mv=req.model_type,
        seed=req.seed,
        quality=quality,
        negative_tags=req.negative_prompt,
        style_weight=req.prompt_strength,
        webhook_url=req.webhook_url,
        webhook_secret=req.webhook_secret,
    )
    if req.mode == "regular":
        instrumental = req.lyrics_type == "instrumental"
        request = create_request(
            req.stored,
            tags=tags,
            lyrics=req.lyrics if req.lyrics_type == "user" else None,
            brief=req.prompt if req.lyrics_type == "generate" else None,
            instrumental=instrumental,
            duration=length_s,
            negative_tags=req.negative_prompt,
            style_weight=req.prompt_strength,
        )
        request["studio"] = req.shaping()
        clip_lyrics = (
            INSTRUMENTAL if instrumental else (req.lyrics or "" if req.lyrics_type == "user" else "")
        )
        return submit_job(
            services,
            key,
            FamilyJob(
                task_type="studio_generate",
                clip_task_type="studio_generate",
                request=request,
                tags=tags,
                lyrics=clip_lyrics,
                **common,  # type: ignore[arg-type]
            ),
        )
    assert req.song_id is not None
    source = source_clip(services, key, req.song_id, "config.source.song_id")
    if req.mode == "precede":
        instrumental = req.lyrics_type == "instrumental"
        request = {
            "_sent": req.stored,
            "op": "precede",
            "source_clip_id": source.id,
            "title": None,
            "tags": tags,
            "negative_tags": req.negative_prompt,
            "lyrics": req.lyrics if req.lyrics_type == "user" else None,
            "brief": req.prompt if req.lyrics_type == "generate" else None,
            "make_instrumental": instrumental,
            "duration": length_s,
            "studio": req.shaping(),
        }
        check_queue(services)
        return submit_job(
            services,
            key,
            FamilyJob(
                task_type="studio_precede",
                clip_task_type="studio_precede",
                request=request,
                title=source.title,
                tags=tags,
                source=source,
                **common,  # type: ignore[arg-type]
            ),
        )
    request = edit_request(
        req.stored,
        "extend",
        source,
        tags=tags,
        lyrics=req.lyrics if req.lyrics_type == "user" else None,
        continue_at=float(source.duration_s or 0.0),
        duration=length_s,
        auto_concat=True,
    )
    # generate: new lyrics written from the prompt (not a reprise of the source's chorus)
    request["gpt_description_prompt"] = req.prompt if req.lyrics_type == "generate" else None
    request["make_instrumental"] = req.lyrics_type == "instrumental"
    request["studio"] = req.shaping()
    check_queue(services)
    return submit_job(
        services,
        key,
        FamilyJob(
            task_type="studio_continuation",
            clip_task_type="studio_continuation",
            request=request,
            title=source.title,
            tags=tags,
            source=source,
            **common,  # type: ignore[arg-type]
        ),
    )


# ----- producer (§6) ----------------------------------------------------------------------------

PRODUCER_MODELS = [
    "Lyria 3 Pro", "Lyria 3 preview", "FUZZ-2.0", "FUZZ-2.0 Pro", "FUZZ-2.0 Raw", "FUZZ-1.1 Pro",
    "FUZZ-1.0 Pro", "FUZZ-1.1", "FUZZ-1.0", "FUZZ-0.8", "FUZZ-3-Demo",
]  # fmt: skip
PRODUCER_TASK_TYPES = [
    "create_music",
    "extend_music",
    "replace_music",
    "cover_music",
    "music_variation",
    "swap_music_vocals",
    "swap_music_sound",
]
PRODUCER_DEFAULT_MV = "FUZZ-2.0"
PRODUCER_MIN_EXTENSION_S = 10.0
"""The shortest extension the composer writes. A ``length`` of 5–9 s is composed 10 s long and cut
to exactly ``length`` with a short fade-out (:func:`producer_short_extend_clip`)."""
SHORT_EXTEND_FADE_S = 0.5
"""Fade-out at the cut of a short producer extension (seconds)."""
_PRODUCER_ONE_CLIP = {"extend_music": "producer_extend", "replace_music": "producer_replace"}


@dataclass(frozen=True)
class ProducerRequest:
    """A type-checked ``/producer/create`` body (API.md §6)."""

    task_type: str
    mv: str
    seed: int | None
    sound: str | None
    lyrics: str | None
    title: str | None
    make_instrumental: bool
    sound_strength: float | None
    weirdness: float | None
    duration: float | None
    clip_id: str | None
    clip_field: str
    starts_at: float | None
    starts_field: str
    ends_at: float | None
    ends_field: str
    instruction: str | None
    length: float
    strength: float
    webhook_url: str | None
    webhook_secret: str | None
    stored: dict[str, Any]
    cover_url: str | None = None
    """create_music: an http(s) JPEG/PNG used as the clips' cover art."""


def variation_category(strength: float) -> str:
    """Producer ``strength`` (0..1) → the remaster's ordered variation amount."""
    return "subtle" if strength < 1 / 3 else ("normal" if strength < 2 / 3 else "high")


def submit_producer(services: Services, key: ApiKey, req: ProducerRequest) -> Task:
    """Contract steps 6–8 of ``/producer/create``: 2 clips (10 credits) or, for extend and
    replace, 1 full song (12 credits)."""
    from tunesmith.errors import Forbidden
    from tunesmith.jobs.service import LYRICS_FORMAT, lyrics_format_ok

    tt = req.task_type
    lyrics = req.lyrics if req.lyrics and req.lyrics.strip() else None
    if tt in ("create_music", "cover_music") and not ((req.sound or "").strip() or lyrics):
        raise InvalidParameter("The 'sound' or 'lyrics' field is required.", field="sound")
    if tt != "create_music" and not req.clip_id:
        raise InvalidParameter(f"The 'clip_id' field is required when task_type = {tt}.", field="clip_id")
    if tt == "replace_music":
        if req.starts_at is None:
            raise _required_for(req.starts_field, tt)
        if req.ends_at is None:
            raise _required_for(req.ends_field, tt)
    if tt.startswith("swap_") and not (req.sound or "").strip():
        raise _required_for("sound", tt)
    if lyrics is not None and not req.make_instrumental and not lyrics_format_ok(lyrics):
        raise Forbidden(LYRICS_FORMAT)
    common = dict(
        family="producer",
        task_type=tt,
        clip_task_type=tt,
        price_op=_PRODUCER_ONE_CLIP.get(tt, "producer"),
        count=1 if tt in _PRODUCER_ONE_CLIP else 2,
        mv=req.mv,
        seed=req.seed,
        webhook_url=req.webhook_url,
        webhook_secret=req.webhook_secret,
    )
    if tt == "create_music":
        check_queue(services)
        request = create_request(
            req.stored,
            tags=req.sound,
            title=req.title,
            lyrics=None if req.make_instrumental else lyrics,
            brief=None if lyrics or req.make_instrumental else req.sound,
            instrumental=req.make_instrumental or False,
            duration=req.duration,
            style_weight=req.sound_strength,
            weirdness=req.weirdness,
        )
        if req.cover_url is not None:
            request["cover_url"] = req.cover_url
            common["task_type"] = "producer_create_cover"  # create_music, then the given cover art
        return submit_job(
            services,
            key,
            FamilyJob(
                request=request,
                title=req.title or "",
                tags=req.sound or "",
                lyrics=INSTRUMENTAL if req.make_instrumental else (lyrics or ""),
                style_weight=req.sound_strength,
                weirdness_constraint=req.weirdness,
                **common,  # type: ignore[arg-type]
            ),
        )
    assert req.clip_id is not None
    source = source_clip(services, key, req.clip_id, req.clip_field)
    duration = float(source.duration_s or 0.0)
    if tt == "extend_music":
        start = duration if req.starts_at is None else req.starts_at
        check_continue_at(start, duration, req.starts_field)
        request = edit_request(
            req.stored, "extend", source, tags=req.instruction, lyrics=lyrics, continue_at=start,
            duration=max(req.length, PRODUCER_MIN_EXTENSION_S), auto_concat=True,
        )  # fmt: skip
        if req.length < PRODUCER_MIN_EXTENSION_S:
            request["length_s"] = float(req.length)
            common["task_type"] = "producer_extend_short"  # composed 10 s, cut to ``length``
    elif tt == "replace_music":
        assert req.starts_at is not None and req.ends_at is not None
        check_window(req.starts_at, req.ends_at, duration, req.starts_field, req.ends_field)
        request = edit_request(
            req.stored,
            "replace",
            source,
            tags=req.instruction,
            lyrics=lyrics,
            window=(req.starts_at, req.ends_at),
        )
    elif tt == "cover_music":
        request = edit_request(
            req.stored,
            "cover",
            source,
            tags=req.sound or source.tags,
            title=req.title,
            lyrics=lyrics,
            audio_weight=req.strength,
        )
    elif tt == "music_variation":
        request = edit_request(req.stored, "remaster", source, variation=variation_category(req.strength))
        if (req.sound or "").strip() and source.origin != "upload":
            request["sound"] = req.sound
            common["task_type"] = "producer_variation_sound"  # the variation re-instrumented from sound
        elif (req.sound or "").strip():  # an upload has no parts to re-voice: swap_music_sound's way
            request = edit_request(req.stored, "add_instrumental", source, tags=req.sound, title=req.title)
    elif tt == "swap_music_sound":
        request = edit_request(req.stored, "add_instrumental", source, tags=req.sound, title=req.title)
    else:  # swap_music_vocals
        request = swap_vocals_request(req.stored, source, lyrics, req.sound, req.title, req.clip_field)
        common["quality"] = source.quality  # the kept accompaniment renders as the source's did
    check_queue(services)
    keeps_style = tt in ("extend_music", "replace_music", "swap_music_vocals") or (
        tt == "music_variation" and not (req.sound or "").strip()
    )
    return submit_job(
        services,
        key,
        FamilyJob(
            request=request,
            title=req.title if req.title is not None else source.title,
            tags=source.tags if keeps_style or req.sound is None else req.sound,
            source=source,
            **common,  # type: ignore[arg-type]
        ),
    )


# ----- producer upload --------------------------------------------------------------------------


def producer_upload(services: Services, key: ApiKey, req: Any) -> Task:
    """``/producer/upload`` (async, 2 credits): a task (already succeeded) whose one clip is the
    uploaded audio; its webhook fires with ``platform: producer``. ``req`` is an
    :class:`~tunesmith.jobs.uploads.UploadRequest`; the checks are those of sonic upload (§12)."""
    import posixpath
    from urllib.parse import unquote, urlsplit

    from tunesmith.billing.ledger import INSUFFICIENT
    from tunesmith.errors import InsufficientCredits, PayloadTooLarge
    from tunesmith.jobs.runner import after_finish
    from tunesmith.jobs.uploads import (
        _fetch,
        analyse_later,
        decode_upload,
        store_upload_files,
        too_large_message,
    )

    cfg = services.settings.uploads
    price = services.settings.billing.price("producer_upload")
    if key.credits + key.extra_credits < price:
        raise InsufficientCredits(INSUFFICIENT)
    where = "file" if req.file_bytes is not None else "url"
    if req.file_bytes is not None:
        data, name = req.file_bytes, req.filename
        if len(data) > cfg.max_bytes:
            raise PayloadTooLarge(too_large_message(cfg.max_bytes))
    else:
        data = _fetch(services, req.url)
        name = posixpath.basename(unquote(urlsplit(req.url).path))
    audio = decode_upload(
        data, name, max_duration_s=cfg.max_duration_s, min_duration_s=cfg.min_duration_s, field=where
    )
    clip_id = new_id()
    files = store_upload_files(services, clip_id, data=data, name=name, audio=audio)
    new = NewClip(
        id=clip_id, idx=0, title=req.title if req.title is not None else posixpath.splitext(name)[0], tags="",
        negative_tags=None, lyrics="", gpt_description_prompt=None, mv=None, style_weight=None,
        weirdness_constraint=None, task_type="upload", origin="upload", seed=None, engine="analysis",
        quality="standard",
    )  # fmt: skip
    task_info = {
        "id": new_id(),
        "family": "producer",
        "task_type": "upload",
        "request": {"_sent": req.stored},
        "webhook_url": req.webhook_url,
        "webhook_secret": req.webhook_secret,
    }
    try:
        _, task = services.store.create_finished_clip(
            key_id=key.id, clip=new, duration_s=audio.duration_s, files=files, tempo_bpm=None,
            key=None, time_signature=None, charge=price, task=task_info,
            upload={"source_url": req.url, "filename": name, "size_bytes": len(data),
                    "sha256": hashlib.sha256(data).hexdigest()},
        )  # fmt: skip
    except InsufficientCredits:
        for fname in files:
            services.blobs.delete(f"clips/{clip_id}/{fname}")
        raise
    assert task is not None
    analyse_later(services, clip_id)  # tempo and key, after the answer
    after_finish(services, task)
    return task


def family_poll_body(settings: Settings, task: Task, clips: list[Clip]) -> dict[str, Any] | None:
    """The poll body a family's webhook carries (riffusion, producer, studio, nuro); None for the
    sonic family (its body is the sonic poll). Riffusion's ``timestamp`` lines are read from the
    blob store the settings name."""
    if task.family == "producer" and task.task_type != "producer_download":
        return producer_poll(settings, clips)
    if task.family == "studio":
        return studio_poll(settings, task, clips)
    if task.family == "nuro" and clips:
        return nuro_poll(settings, task, clips)
    if task.family == "riffusion":
        from tunesmith.blobs.store import make_blob_store

        return riffusion_body(settings, make_blob_store(settings), clips)
    return None


# ----- producer download ------------------------------------------------------------------------

DOWNLOAD_FORMATS = ["mp3", "wav"]


def submit_producer_download(
    services: Services,
    key: ApiKey,
    clip_id: str,
    fmt: str,
    *,
    webhook_url: str | None,
    webhook_secret: str | None,
    stored: dict[str, Any],
) -> Task:
    """``/producer/download`` (async, 2 credits). The task's one item is the source clip itself
    (same ``clip_id``) with ``download_url``; a hidden carrier clip tracks the task's state."""
    source = source_clip(services, key, clip_id, "clip_id")
    job = FamilyJob(
        family="producer",
        task_type="producer_download",
        clip_task_type="producer_download",
        price_op="producer_download",
        count=1,
        request={"_sent": stored, "source_clip_id": source.id, "format": fmt},
        mv=source.mv,
        seed=None,
        title=source.title,
        tags=source.tags,
        lyrics=source.lyrics,
        source=source,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
    )
    return submit_job(services, key, job)


def download_clip(services: Services, task: Task, clip: Clip, progress: Progress) -> EngineResult:
    """The carrier clip of a download task: the source's mixes (the download is served from the
    source clip's own file URL)."""
    source = services.store.get_clip(str(task.request["source_clip_id"]))
    if source is None:
        raise InvalidParameter("clip not found.", field="clip_id")
    from tunesmith.jobs.uploads import with_facts

    source = with_facts(services, source)  # an upload's tempo and key, measured once
    progress("download", 0, 1)
    files = {
        name: services.blobs.get(f"clips/{source.id}/{name}") for name in (bundle.MIX_WAV, bundle.MIX_MP3)
    }
    facts = SongFacts(
        title=source.title,
        tags=source.tags,
        lyrics=source.lyrics or INSTRUMENTAL,
        duration_s=float(source.duration_s or 0.0),
        tempo_bpm=float(source.tempo_bpm or 0.0),
        key=source.key or "",
        time_signature=source.time_signature or "",
        estimated=source.estimated,
    )
    return EngineResult(bundle=bundle.Bundle(files=files), facts=facts)


def download_poll(services: Services, task: Task, clips: list[Clip]) -> dict[str, Any]:
    """The producer poll of a download task: the source clip with ``download_url`` once done."""
    settings = services.settings
    source = services.store.get_clip(str(task.request["source_clip_id"]))
    status = producer_status(clips)
    if source is None:
        return {"code": 200, "status": status, "message": "success", "data": []}
    item = producer_item(settings, source)
    carrier = clips[0] if clips else None
    item["state"] = carrier.state if carrier is not None else source.state
    if carrier is not None and carrier.state == "succeeded":
        item["download_url"] = item["wav_url"] if task.request.get("format") == "wav" else item["audio_url"]
    elif carrier is not None and carrier.state == "failed":
        item["error_message"] = carrier.error_message or "Generation failed."
    return {"code": 200, "status": status, "message": "success", "data": [item]}


# ----- family-only operations: nuro segments, studio precede, voice swaps -------------------------


def _source_of(services: Services, task: Task, clip: Clip) -> tuple[Clip, Score]:
    """The task's source clip and its Score; when the Score cannot be had, ``clip`` fails with
    ``Source audio could not be processed.`` (the runner keeps that message)."""
    from tunesmith.jobs.edits import SOURCE_FAILED, source_score

    source = services.store.get_clip(str(task.request["source_clip_id"]))
    if source is None:
        raise InvalidParameter("clip not found.", field="continue_clip_id")
    try:
        return source, source_score(services, source)
    except Exception:
        services.store.finish_clip(clip.id, state="failed", error_message=SOURCE_FAILED)
        raise


def _facts_of(score: Score, title: str, tags: str) -> SongFacts:
    return SongFacts(
        title=title,
        tags=tags,
        lyrics=sung_lyrics(score),
        duration_s=round(score.duration_s, 2),
        tempo_bpm=round(score.tempo_bpm, 2),
        key=score.key.name,
        time_signature=score.time_signature,
    )


def _fade_cut(audio: AudioBuffer, frames: int, fade_s: float) -> AudioBuffer:
    """The first ``frames`` frames of ``audio`` with a raised-cosine fade-out over ``fade_s``."""
    out = np.array(audio.to_stereo().with_frames(frames).samples, dtype=np.float32, copy=True)
    n = min(frames, max(1, round(fade_s * audio.sample_rate_hz)))
    ramp = np.cos(0.5 * np.pi * (np.arange(n, dtype=np.float64) + 0.5) / n) ** 2
    out[:, frames - n :] *= ramp.astype(np.float32)
    return AudioBuffer(out, audio.sample_rate_hz)


def nuro_bgm_clip(services: Services, task: Task, clip: Clip, progress: Progress) -> EngineResult:
    """A nuro bgm clip. With v2.0 ``segments``: a composition arranged so its sections are exactly
    the segments (:func:`~tunesmith.music.edit.segments.arrange_segments`). A v1.0 duration under
    the composer's 10 s minimum: a 10 s song cut to the duration with a short fade-out. Otherwise
    the engine's create."""
    from tunesmith.jobs.handlers import create_clip
    from tunesmith.jobs.runner import spec_for
    from tunesmith.music.compose import compose
    from tunesmith.music.edit.common import retime
    from tunesmith.music.edit.segments import arrange_segments
    from tunesmith.music.produce import render_score
    from tunesmith.music.style.tags import resolve_style

    facts = task.request.get("nuro", {})
    segments = [(str(s["name"]), float(s["duration"])) for s in facts.get("segments") or []]
    wanted = facts.get("duration")
    short = not segments and wanted is not None and float(wanted) < NURO_MIN_RENDER_S
    if not segments and not short:
        return create_clip(services, task, clip, progress)
    spec = spec_for(task, clip)
    progress("compose", 0, 1)
    style = resolve_style(spec.tags, spec.negative_tags)
    video = services.settings.engine.video
    if segments:
        total = sum(d for _, d in segments)
        # a long composition holds every section kind; only the arranged segments are rendered
        full = compose(dc_replace(spec, duration_s=max(total, NURO_SEGMENT_COMPOSE_S)), style)
        score = arrange_segments(full, segments)
        produced = render_edit(score, quality=clip.quality, with_video=video, progress=progress)
    else:
        score = compose(dc_replace(spec, duration_s=NURO_MIN_RENDER_S), style)
        rendered = render_score(score, quality=clip.quality, progress=progress)
        duration = float(wanted)
        frames = round(duration * rendered.master.sample_rate_hz)
        fade = min(0.5, duration / 4)
        master = _fade_cut(rendered.master, frames, fade)
        stems = {g: _fade_cut(a, frames, fade) for g, a in rendered.stems.items()}
        score = retime(score, list(score.tempo_map), duration)
        produced = render_edit(score, master=master, stems=stems, quality=clip.quality, with_video=video)
    return EngineResult(
        bundle=produced.bundle, facts=_facts_of(produced.score, produced.score.title, clip.tags)
    )


NURO_TIMBRE_BRIGHTNESS = {
    "Warm": 0.8,
    "Bright": 1.35,
    "Husky": 0.75,
    "Electrified voice": 1.3,
    "Sweet_AUDIO_TIMBRE": 1.1,
    "Cute_AUDIO_TIMBRE": 1.25,
    "Loud and sonorous": 1.0,
    "Powerful": 1.1,
    "Sexy/Lazy": 0.8,
}
"""Nuro ``timbre`` → the sung vocal's spectral centroid relative to the singer's own (1.0: as sung).
The singer has no breathiness or formant control yet, so Husky and Sexy/Lazy only darken."""


COVER_SIZE_PX = 1024


def cover_art(data: bytes) -> bytes:
    """A JPEG or PNG as the bundle's cover: centre-cropped square, 1024 px, JPEG quality 90.
    Raises InvalidParameter(field="cover_url") for anything else."""
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("JPEG", "PNG"):
                raise InvalidParameter("The cover image should be a JPEG or PNG.", field="cover_url")
            rgb = image.convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise InvalidParameter("The cover image should be a JPEG or PNG.", field="cover_url") from exc
    side = min(rgb.size)
    left, top = (rgb.width - side) // 2, (rgb.height - side) // 2
    square = rgb.crop((left, top, left + side, top + side)).resize((COVER_SIZE_PX, COVER_SIZE_PX))
    out = io.BytesIO()
    square.save(out, format="JPEG", quality=90)
    return out.getvalue()


def producer_cover_clip(services: Services, task: Task, clip: Clip, progress: Progress) -> EngineResult:
    """A producer create_music clip with ``cover_url``: the song as create_music makes it, its
    ``cover.jpg`` replaced by the fetched image (§12 fetch rules). When the image cannot be fetched
    or is not a JPEG/PNG, the generated cover stays (the song is not failed for its picture)."""
    from tunesmith.jobs.handlers import create_clip
    from tunesmith.jobs.uploads import _fetch

    result = create_clip(services, task, clip, progress)
    try:
        cover = cover_art(_fetch(services, str(task.request["cover_url"])))
    except Exception as exc:  # unreachable or not an image: keep the generated cover
        import structlog

        structlog.get_logger().info("producer.cover_url_failed", task_id=task.id, error=str(exc))
        return result
    files = dict(result.bundle.files)
    files[bundle.COVER] = cover
    return EngineResult(
        bundle=bundle.Bundle(files=files, stage_times_s=dict(result.bundle.stage_times_s)), facts=result.facts
    )


def nuro_vocal_clip(services: Services, task: Task, clip: Clip, progress: Progress) -> EngineResult:
    """A nuro vocal clip: the song composed and sung as create_music does, the vocals tilted to the
    ``timbre``'s brightness (:data:`NURO_TIMBRE_BRIGHTNESS`). A factor of 1, or an engine other
    than the procedural one (whose singer this tilts), is the engine's create."""
    from tunesmith.engines.procedural import ProceduralEngine
    from tunesmith.jobs.handlers import create_clip
    from tunesmith.jobs.personas import render_in_brightness
    from tunesmith.jobs.runner import spec_for
    from tunesmith.music.compose import compose
    from tunesmith.music.style.tags import resolve_style

    factor = NURO_TIMBRE_BRIGHTNESS.get(str(task.request.get("nuro", {}).get("timbre")), 1.0)
    if factor == 1.0 or not isinstance(services.engine(services.engine_name(clip.mv)), ProceduralEngine):
        return create_clip(services, task, clip, progress)  # other engines get the timbre as tags
    spec = spec_for(task, clip)
    progress("compose", 0, 1)
    score = compose(spec, resolve_style(spec.tags, spec.negative_tags))
    produced = render_in_brightness(
        services, score, quality=clip.quality, target_hz=lambda natural: natural * factor, progress=progress
    )
    return EngineResult(bundle=produced.bundle, facts=_facts_of(score, spec.title or score.title, clip.tags))


def studio_precede_clip(services: Services, task: Task, clip: Clip, progress: Progress) -> EngineResult:
    """A studio ``precede`` song: a lead-in composed to end where the source begins (same tempo,
    key, meter and voice; :func:`~tunesmith.music.edit.precede.precede`), its harmony the chord
    progression of the source's first ``config.context_length`` seconds repeated so that it ends
    on the lead-in's last bar (:func:`~tunesmith.music.edit.context.with_context`), shaped by the
    studio fields (:func:`studio_shaped`); then the source's own audio, joined click-free on the
    bar line."""
    from tunesmith.jobs.edits import source_mix, source_stems
    from tunesmith.music.edit import concat, join_audio
    from tunesmith.music.edit.context import with_context
    from tunesmith.music.edit.precede import precede
    from tunesmith.music.lyrics.describe import read_description
    from tunesmith.music.lyrics.write import write_lyrics
    from tunesmith.music.produce import package_song, render_score
    from tunesmith.music.score import STEM_GROUPS

    req = task.request
    source_clip, source = _source_of(services, task, clip)
    seed = int(clip.seed or 0)
    lyrics = req.get("lyrics")
    if lyrics is None and req.get("brief") and not req.get("make_instrumental"):
        written = write_lyrics(
            read_description(str(req["brief"])), duration_s=req.get("duration"), seed=seed,
            vocal_gender=source.vocal_gender,
        )  # fmt: skip
        lyrics = written.lyrics_text
    lead = precede(
        source,
        duration_s=float(req["duration"]),
        seed=seed,
        lyrics=lyrics,
        tags=req.get("tags"),
        negative_tags=str(req.get("negative_tags") or ""),
        instrumental=bool(req.get("make_instrumental")),
        quality=clip.quality,
    )
    fields = dict(req.get("studio") or {})
    if "context_length" in fields:  # the lead-in carries the chords of the source's opening into it
        context_s = float(fields["context_length"])
        lead = with_context(lead, source, context_s, seed=seed, tags=req.get("tags"), at="start")
    lead = studio_shaped(lead, fields, seed=seed)
    rendered = render_score(lead, quality=clip.quality, progress=progress)
    mix = source_mix(services, source_clip)
    cut = lead.duration_s
    master = join_audio([(rendered.master, cut), (mix, None)])
    source_parts = source_stems(services, source_clip)
    stems = {}
    for group in STEM_GROUPS:
        if group not in rendered.stems and group not in source_parts:
            continue
        pieces = []
        for part, frames in (
            (rendered.stems.get(group), rendered.master.frames),
            (source_parts.get(group), mix.frames),
        ):
            audio = (
                part
                if part is not None
                else AudioBuffer(np.zeros((2, frames), dtype=np.float32), mix.sample_rate_hz)
            )
            pieces.append(audio.to_stereo().with_frames(frames))
        stems[group] = join_audio([(pieces[0], cut), (pieces[1], None)])
    score = concat([(lead, cut), (source, None)])
    frames = round(score.duration_s * master.sample_rate_hz)
    master = master.with_frames(frames)
    stems = {g: a.with_frames(frames) for g, a in stems.items()}
    progress("encode", 0, 1)
    files = package_song(score, master, stems, with_video=services.settings.engine.video)
    return EngineResult(bundle=files, facts=_facts_of(score, source_clip.title, clip.tags))


def _swap_upload_vocals(
    services: Services,
    clip: Clip,
    source_clip: Clip,
    source: Score,
    lyrics: str | None,
    gender: str | None,
    progress: Progress,
) -> EngineResult:
    """A voice swap on an upload: its vocal is separated (``separate_vocals``) and transcribed
    (``transcribe_notes`` → ``lead_line``); the line is re-sung by the new voice
    (:func:`~tunesmith.music.edit.swap.sing_transcribed`) at the separated vocal's level, over the
    separated accompaniment, which is kept as it is (stem ``keyboard``, the kept-audio stem)."""
    from tunesmith.jobs.edits import SOURCE_FAILED, source_mix
    from tunesmith.music.analyze.separate import separate_vocals
    from tunesmith.music.analyze.transcribe import lead_line, transcribe_notes
    from tunesmith.music.edit.keep_audio import SOURCE_AUDIO_STEM
    from tunesmith.music.edit.swap import sing_transcribed
    from tunesmith.music.produce import render_score

    mix = source_mix(services, source_clip)
    split = separate_vocals(mix)
    line = lead_line(transcribe_notes(split.vocals), min_pitch=36)
    if not line:
        services.store.finish_clip(clip.id, state="failed", error_message=NO_VOCALS)
        raise InvalidParameter(NO_VOCALS, field="continue_clip_id")
    try:
        score = sing_transcribed(
            source, [(n.pitch, n.start_s, n.end_s) for n in line], seed=int(clip.seed or 0),
            vocal_gender=gender, lyrics=lyrics,
        )  # fmt: skip
    except InvalidParameter:
        services.store.finish_clip(clip.id, state="failed", error_message=SOURCE_FAILED)
        raise
    voice_only = copy.copy(score)
    voice_only.tracks = []
    rendered = render_score(voice_only, quality=clip.quality, progress=progress)
    frames = mix.frames
    voices = {g: a.to_stereo().with_frames(frames) for g, a in rendered.stems.items()}
    total = sum((a.samples.astype(np.float64) for a in voices.values()), np.zeros((2, frames)))
    level = float(np.sqrt(np.mean(total**2)))
    target = float(np.sqrt(np.mean(split.vocals.to_stereo().samples.astype(np.float64) ** 2)))
    gain = target / level if level > 0 and target > 0 else 1.0
    accompaniment = split.accompaniment.to_stereo().with_frames(frames)
    master = accompaniment.samples.astype(np.float64) + gain * total
    peak = float(np.abs(master).max())
    down = 0.98 / peak if peak > 0.98 else 1.0
    stems = {g: AudioBuffer(np.asarray(a.samples * gain * down, dtype=np.float32), mix.sample_rate_hz)
             for g, a in voices.items()}  # fmt: skip
    stems[SOURCE_AUDIO_STEM] = AudioBuffer(
        np.asarray(accompaniment.samples * down, dtype=np.float32), mix.sample_rate_hz
    )
    score.duration_s = round(frames / mix.sample_rate_hz, 6)
    produced = render_edit(
        score,
        master=AudioBuffer(np.asarray(master * down, dtype=np.float32), mix.sample_rate_hz),
        stems=stems,
        quality=clip.quality,
        with_video=services.settings.engine.video,
        progress=progress,
    )
    facts = _facts_of(produced.score, source_clip.title, clip.tags)
    return EngineResult(bundle=produced.bundle, facts=dc_replace(facts, estimated=True))


def swap_vocals_clip(services: Services, task: Task, clip: Clip, progress: Progress) -> EngineResult:
    """A voice swap: the source's vocal melody (pitches and rhythm, words unless new ``lyrics``)
    re-sung by another voice (:func:`~tunesmith.music.edit.swap.swap_voice`); the accompaniment
    tracks are the source's, note for note, so their stems render the same. A source that sings
    nothing gets a new vocal for the given lyrics (add_vocals)."""
    from tunesmith.music.edit.swap import swap_voice
    from tunesmith.music.lyrics.sections import parse_lyrics

    if task.request.get("op") != "swap_vocals":
        return edit_clip(services, task, clip, progress)
    req = task.request
    source_clip, source = _source_of(services, task, clip)
    progress("arrange", 0, 1)
    lyrics = req.get("lyrics")
    sung = lyrics is not None and any(not line.backing for line in parse_lyrics(str(lyrics)).lines)
    if source_clip.origin == "upload":
        words = str(lyrics) if sung else None
        gender = req.get("vocal_gender")
        return _swap_upload_vocals(services, clip, source_clip, source, words, gender, progress)
    score = swap_voice(
        source,
        seed=int(clip.seed or 0),
        vocal_gender=req.get("vocal_gender"),
        lyrics=str(lyrics) if sung else None,  # only backing lines: the source's words are kept
    )
    produced = render_edit(
        score, quality=clip.quality, with_video=services.settings.engine.video, progress=progress
    )
    title = req.get("title") if req.get("title") is not None else source_clip.title
    return EngineResult(bundle=produced.bundle, facts=_facts_of(produced.score, str(title or ""), clip.tags))


def producer_short_extend_clip(
    services: Services, task: Task, clip: Clip, progress: Progress
) -> EngineResult:
    """A producer extend with ``length`` under 10 s: the extension composed 10 s long (the
    composer's shortest) in the source's tempo and key, then cut to exactly ``length`` seconds
    with a :data:`SHORT_EXTEND_FADE_S` fade-out; the full song is the source up to the join (bar
    line nearest ``starts_at``) followed by it, so it lasts ``join + length`` seconds."""
    from tunesmith.jobs.edits import _auto_concat, _edited_score, _facts, _source_or_fail, set_clip_extra
    from tunesmith.music.edit.common import retime
    from tunesmith.music.produce import render_score

    req = task.request
    source_clip = services.store.get_clip(str(req["source_clip_id"]))
    if source_clip is None:
        raise InvalidParameter("clip not found.", field="clip_id")
    progress("analyze", 0, 1)
    source = _source_or_fail(services, clip, source_clip)
    score, extra = _edited_score(task, clip, source)
    rendered = render_score(score, quality=clip.quality, progress=progress)
    length_s = float(req["length_s"])
    frames = round(length_s * rendered.master.sample_rate_hz)
    fade_s = min(SHORT_EXTEND_FADE_S, length_s / 4)
    produced = render_edit(
        retime(score, list(score.tempo_map), length_s),
        master=_fade_cut(rendered.master, frames, fade_s),
        stems={g: _fade_cut(a, frames, fade_s) for g, a in rendered.stems.items()},
        quality=clip.quality,
        with_video=services.settings.engine.video,
        progress=progress,
    )
    produced, extra = _auto_concat(services, source_clip, source, clip, produced, extra)
    set_clip_extra(services, clip.id, extra)
    return EngineResult(bundle=produced.bundle, facts=_facts(task, source_clip, produced.score))


def producer_variation_sound_clip(
    services: Services, task: Task, clip: Clip, progress: Progress
) -> EngineResult:
    """A producer ``music_variation`` with ``sound``: the remaster variation (``strength`` →
    subtle/normal/high) played by the instruments the sound text's style names
    (:func:`~tunesmith.music.edit.reinstrument.reinstrument`): same notes, words and melody,
    the accompaniment's programs, stem groups and effects from ``sound``."""
    from tunesmith.music.edit.reinstrument import reinstrument
    from tunesmith.music.edit.remaster import remaster

    req = task.request
    source_clip, source = _source_of(services, task, clip)
    progress("arrange", 0, 1)
    varied = remaster(
        source, variation=str(req.get("variation_category") or "normal"), seed=int(clip.seed or 0)
    )
    score = reinstrument(varied, str(req["sound"]))
    produced = render_edit(
        score, quality=clip.quality, with_video=services.settings.engine.video, progress=progress
    )
    return EngineResult(bundle=produced.bundle, facts=_facts_of(produced.score, source_clip.title, clip.tags))


STUDIO_SECTION_FADE_S = 1.0
"""Fade-out of a studio clip that ends before its notional song does (``song_section_end`` < 1)."""
STUDIO_DEFAULTS = {
    "song_section": [0.0, 1.0],
    "lyrics_placement": [0.0, 1.0],
    "clarity_strength": 0.25,
    "lyrics_strength": 0.5,
}


def studio_shaped(score: Score, fields: dict[str, Any], *, seed: int) -> Score:
    """A composed studio song shaped by its fields (:mod:`tunesmith.music.edit.studio_fields`):
    the vocal placed in ``lyrics_placement``, set as ``lyrics_strength`` asks, and the arrangement
    cleared by ``clarity_strength``. (``song_section`` is applied when composing.)"""
    from tunesmith.music.edit.studio_fields import clarify, place_lyrics, set_words

    lo, hi = (float(x) for x in fields.get("lyrics_placement", (0.0, 1.0)))
    score = place_lyrics(score, lo, hi)
    score = set_words(score, float(fields.get("lyrics_strength", 0.5)), seed=seed)
    return clarify(score, float(fields.get("clarity_strength", 0.25)))


def studio_generate_clip(services: Services, task: Task, clip: Clip, progress: Progress) -> EngineResult:
    """A studio description / custom / instrumental song. With every shaping field at its default,
    the engine's create; otherwise composed here (the procedural composer) and shaped:
    ``song_section_*`` — a notional whole song ``duration / (end − start)`` long is composed and
    the clip cut from it (:func:`~tunesmith.music.edit.studio_fields.song_excerpt`), faded out
    over :data:`STUDIO_SECTION_FADE_S` when it ends mid-song; then :func:`studio_shaped` (lyrics
    placement, lyrics strength, clarity)."""
    from tunesmith.jobs.handlers import create_clip
    from tunesmith.jobs.runner import spec_for
    from tunesmith.music.compose import compose
    from tunesmith.music.edit.studio_fields import notional_duration_s, song_excerpt
    from tunesmith.music.produce import render_score
    from tunesmith.music.style.tags import resolve_style

    fields = dict(task.request.get("studio") or {})
    if all(fields.get(k, v) == v for k, v in STUDIO_DEFAULTS.items()):
        return create_clip(services, task, clip, progress)
    spec = spec_for(task, clip)
    progress("compose", 0, 1)
    style = resolve_style(spec.tags, spec.negative_tags)
    duration = float(spec.duration_s or STUDIO_MODELS["studio32-v1.5"])
    start, end = (float(x) for x in fields.get("song_section", (0.0, 1.0)))
    whole = compose(dc_replace(spec, duration_s=round(notional_duration_s(duration, start, end), 2)), style)
    score = song_excerpt(whole, start, end, duration) if (start, end) != (0.0, 1.0) else whole
    score = studio_shaped(score, fields, seed=int(clip.seed or 0))
    video = services.settings.engine.video
    if end < 1.0:  # cut mid-song: faded out rather than stopped on a sounding chord
        rendered = render_score(score, quality=clip.quality, progress=progress)
        frames = round(score.duration_s * rendered.master.sample_rate_hz)
        fade = STUDIO_SECTION_FADE_S
        master = _fade_cut(rendered.master, frames, fade)
        stems = {g: _fade_cut(a, frames, fade) for g, a in rendered.stems.items()}
        produced = render_edit(score, master=master, stems=stems, quality=clip.quality, with_video=video)
    else:
        produced = render_edit(score, quality=clip.quality, with_video=video, progress=progress)
    return EngineResult(
        bundle=produced.bundle, facts=_facts_of(produced.score, spec.title or score.title, clip.tags)
    )


def studio_continuation_clip(services: Services, task: Task, clip: Clip, progress: Progress) -> EngineResult:
    """A studio ``continuation`` song: the source, then new material (the model's length) composed
    from the source's end (:func:`~tunesmith.music.edit.extend.extend`: same tempo, key, meter,
    instruments; lyrics written from ``prompt`` in generate mode) and conditioned on the source's
    last ``config.context_length`` seconds (:func:`~tunesmith.music.edit.context.with_context`:
    their chord progression carried on); the shaping fields apply to the new part
    (:func:`studio_shaped`). Joined to the source's audio click-free on the bar line."""
    from tunesmith.jobs.edits import _auto_concat, _edited_score, _facts, _source_or_fail, set_clip_extra
    from tunesmith.music.edit.context import with_context

    req = task.request
    source_clip = services.store.get_clip(str(req["source_clip_id"]))
    if source_clip is None:
        raise InvalidParameter("clip not found.", field="config.source.song_id")
    progress("analyze", 0, 1)
    source = _source_or_fail(services, clip, source_clip)
    score, extra = _edited_score(task, clip, source)
    fields = dict(req.get("studio") or {})
    seed = int(clip.seed or 0)
    score = with_context(
        score, source, float(fields.get("context_length", 30.0)), seed=seed, tags=req.get("tags")
    )
    score = studio_shaped(score, fields, seed=seed)
    produced = render_edit(
        score, quality=clip.quality, with_video=services.settings.engine.video, progress=progress
    )
    produced, extra = _auto_concat(services, source_clip, source, clip, produced, extra)
    set_clip_extra(services, clip.id, extra)
    return EngineResult(bundle=produced.bundle, facts=_facts(task, source_clip, produced.score))


FAMILY_HANDLERS = {
    "studio_generate": studio_generate_clip,
    "producer_variation_sound": producer_variation_sound_clip,
    "producer_extend_short": producer_short_extend_clip,
    "replace_music": edit_clip,
    "replace_upload_music": edit_clip,
    "swap_music_sound": edit_clip,
    "swap_upload_music_sound": edit_clip,
    "swap_music_vocals": swap_vocals_clip,
    "swap_upload_music_vocals": swap_vocals_clip,
    "music_variation": edit_clip,
    "studio_continuation": studio_continuation_clip,
    "studio_precede": studio_precede_clip,
    "nuro_bgm": nuro_bgm_clip,
    "nuro_vocal": nuro_vocal_clip,
    "producer_create_cover": producer_cover_clip,
    "producer_download": download_clip,
}
"""Family-only task types → handlers, registered in :data:`tunesmith.jobs.handlers.HANDLERS`
(the shared ones, create_music, extend_music and cover_music, are already registered)."""
