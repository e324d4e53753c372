"""Edits: operations on Scores, and on stems where the contract keeps audio (DESIGN.md ``edit/``).

Every operation is deterministic in its ``seed`` and raises
:class:`~tunesmith.errors.InvalidParameter` naming the field for bad input.

- :func:`extend` / :func:`snap_continue_at` / :func:`concat` — continue a song from a bar line;
  assemble an extension chain. :func:`join_audio` / :func:`seam_report` — click-free audio joins.
- :func:`cover` — same melody, form, harmony and lyrics in another style.
- :func:`remaster` / :func:`score_distance` — same song, arrangement varied by an ordered amount.
- :func:`replace_section` — new lyrics and arrangement in a window, the audio outside untouched.
- :func:`add_vocals` / :func:`add_instrumental` — overdub a voice or an accompaniment in a window.
- :func:`render_edit` — an edited Score (and audio) → a bundle, like ``produce_song``.
"""

from tunesmith.music.edit.cover import cover
from tunesmith.music.edit.extend import concat, extend, snap_continue_at
from tunesmith.music.edit.join import SeamReport, join_audio, seam_report, splice
from tunesmith.music.edit.overdub import add_instrumental, add_vocals
from tunesmith.music.edit.remaster import VARIATION_SHARE, remaster, score_distance
from tunesmith.music.edit.render import render_edit
from tunesmith.music.edit.replace import ReplacedSection, replace_score, replace_section

__all__ = [
    "VARIATION_SHARE",
    "ReplacedSection",
    "SeamReport",
    "add_instrumental",
    "add_vocals",
    "concat",
    "cover",
    "extend",
    "join_audio",
    "remaster",
    "render_edit",
    "replace_score",
    "replace_section",
    "score_distance",
    "seam_report",
    "snap_continue_at",
    "splice",
]
