"""Progress and cancellation through one callback.

Long work calls ``progress(stage, done, total)`` as it goes: ``stage`` names the step
(``"compose"``, ``"render"``, ``"mix"``, ``"master"``, ``"encode"`` …), ``done``/``total`` count
its units. A callback may raise :class:`tunesmith.errors.Cancelled` to stop the work.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    """The default callback: ignores progress and never cancels."""
