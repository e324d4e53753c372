"""The renderer: SoundFont synthesis, mixing into stems, mastering, cover art and video.

Entry point: :func:`render_song` (Score → stems, unmastered mix, mastered mix). The pieces are
usable alone: :func:`render_tracks`, :func:`mix_tracks`, :func:`master`, :func:`draw_cover`,
:func:`make_video`. ``render.voice`` (the singer) lives beside them.
"""

from tunesmith.music.render.master import master
from tunesmith.music.render.mix import MixResult, mix_tracks
from tunesmith.music.render.song import RenderedSong, render_song
from tunesmith.music.render.synth import find_soundfont, render_tracks

__all__ = [
    "MixResult",
    "RenderedSong",
    "find_soundfont",
    "master",
    "mix_tracks",
    "render_song",
    "render_tracks",
]
