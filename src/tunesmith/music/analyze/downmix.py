"""Fast resampling for analysis: soxr (HQ) instead of the polyphase filter of
:meth:`AudioBuffer.resampled`, and a one-entry cache of the mono downmix so that analyses run one
after the other on the same buffer (tempo, then key) downmix it once."""

from __future__ import annotations

import threading
import weakref
from typing import Any

import numpy as np
import numpy.typing as npt

from tunesmith.music.audio import AudioBuffer

Samples = npt.NDArray[np.float32]

_lock = threading.Lock()
_last: tuple[weakref.ref[Any], dict[int, Samples]] | None = None


def resample(samples: Samples, from_rate_hz: int, to_rate_hz: int) -> Samples:
    """``samples`` (1-D, or channels × frames) resampled with soxr HQ; float32, C-contiguous.
    Returns the input when the rates match."""
    if from_rate_hz == to_rate_hz:
        return np.ascontiguousarray(samples, dtype=np.float32)
    import soxr

    x = np.asarray(samples, dtype=np.float32)
    if x.ndim == 1:
        out = soxr.resample(x, from_rate_hz, to_rate_hz, quality="HQ")
    else:
        out = soxr.resample(np.ascontiguousarray(x.T), from_rate_hz, to_rate_hz, quality="HQ").T
    return np.ascontiguousarray(out, dtype=np.float32)


def mono_at(audio: AudioBuffer, rate_hz: int) -> Samples:
    """The channel mean of ``audio`` at ``rate_hz`` (1-D float32, read-only). The downmixes of
    the last buffer seen are cached (by the identity of ``audio.samples``, held weakly, one entry
    per rate) so tempo and key analyses of the same buffer downmix it once. Buffers are treated
    as immutable, as everywhere in :mod:`tunesmith.music`."""
    global _last
    with _lock:
        if _last is not None and _last[0]() is audio.samples and rate_hz in _last[1]:
            return _last[1][rate_hz]
    out = resample(audio.mono(), audio.sample_rate_hz, rate_hz)
    out.setflags(write=False)
    with _lock:
        if _last is not None and _last[0]() is audio.samples:
            _last[1][rate_hz] = out
        else:
            try:
                _last = (weakref.ref(audio.samples), {rate_hz: out})
            except TypeError:  # not weakly referenceable: no cache
                _last = None
    return out
