"""The composer: form, harmony, grooves, bass, parts and the ending; ``compose(spec, style)``.

See :func:`tunesmith.music.compose.composer.compose`. The groove step patterns are data
(``data/grooves.toml``).
"""

from tunesmith.music.compose.composer import compose

__all__ = ["compose"]
