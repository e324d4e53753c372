"""The renderer: SoundFont synthesis, mixing into stems, mastering, cover art and video.

Entry point: :func:`render_song` (Score → stems, unmastered mix, mastered mix). The pieces are
usable alone: :func:`render_tracks`, :func:`mix_tracks`, :func:`master`, :func:`draw_cover`,
:func:`make_video`. ``render.voice`` (the singer) lives beside them.
"""

from tunesmith.music.render.cover import draw_cover
from tunesmith.music.render.master import master
from tunesmith.music.render.mix import MixResult, StreamingMix, mix_tracks
from tunesmith.music.render.song import RenderedSong, render_song
from tunesmith.music.render.synth import find_soundfont, iter_render_tracks, render_track, render_tracks
from tunesmith.music.render.video import make_video

__all__ = [
    "MixResult",
    "RenderedSong",
    "StreamingMix",
    "draw_cover",
    "find_soundfont",
    "iter_render_tracks",
    "make_video",
    "master",
    "mix_tracks",
    "render_song",
    "render_track",
    "render_tracks",
]
