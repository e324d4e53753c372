"""Synchronous words operations (API.md §4.12 upsample-tags, §4.15 lyrics): check the balance,
do the work, then charge — a call is charged only when it answers 200 (§11 "Sync")."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from tunesmith.billing.ledger import INSUFFICIENT
from tunesmith.errors import InsufficientCredits
from tunesmith.jobs.context import Services
from tunesmith.music.lyrics.write import write_lyric_pair
from tunesmith.music.style.upsample import upsample_tags
from tunesmith.store.repos import ApiKey

LYRICS_MAX_CHARS = 120
"""``description`` limit of ``sonic/lyrics`` (API.md §2.1)."""


@dataclass(frozen=True)
class LyricCandidate:
    title: str
    lyrics: str
    """Section-tagged lyrics ([Verse], [Chorus] …) in the contract's lyrics format."""


def _ensure_balance(key: ApiKey, price: int) -> None:
    if price > 0 and key.credits + key.extra_credits < price:
        raise InsufficientCredits(INSUFFICIENT)


def make_lyrics(
    services: Services, key: ApiKey, description: str, *, seed: int | None = None
) -> tuple[LyricCandidate, LyricCandidate]:
    """Two different titled lyrics for ``description`` (already checked: non-blank, ≤ 120
    characters); deterministic for a given ``seed`` (random when None). Charges ``lyrics``."""
    price = services.settings.billing.price("lyrics")
    _ensure_balance(key, price)
    first, second = write_lyric_pair(description, seed=seed if seed is not None else secrets.randbelow(2**32))
    services.store.charge(key.id, price)
    return LyricCandidate(first.title, first.lyrics_text), LyricCandidate(second.title, second.lyrics_text)


def make_upsampled_tags(services: Services, key: ApiKey, tags: str) -> str:
    """The production description for ``tags`` (already checked: non-blank, ≤ 1000 characters);
    deterministic. Charges ``upsample_tags``."""
    price = services.settings.billing.price("upsample_tags")
    _ensure_balance(key, price)
    upsampled = upsample_tags(tags)
    services.store.charge(key.id, price)
    return upsampled
