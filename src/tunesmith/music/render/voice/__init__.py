"""The singer: the Score's vocal line rendered to ``vocals`` and ``backing_vocals`` stems.

Approach (chosen by the measurements in ``bench/bench_singer.py``): Festival speech of our own
syllables, time-warped onto the notes and re-pitched by a small vectorised 16 kHz source–filter
vocoder (:mod:`.vocoder`; it replaced WORLD, which was 4–10× slower for the same intelligibility),
then a vocal chain. See :mod:`.singer` and :mod:`.chain`.
"""

from tunesmith.music.render.voice.render import render_vocals

__all__ = ["render_vocals"]
