"""Per-task-type clip handlers: how the runner makes one clip of a task.

The runner (:mod:`tunesmith.jobs.runner`) owns claiming, leases, progress, timeouts, storing the
bundle and settling credits; a handler only turns one pending clip of a task into an
:class:`~tunesmith.engines.base.EngineResult` (the bundle files plus the facts the API reports).

Each family of operations registers its handlers in :data:`HANDLERS` by task type (one import and
one ``**`` entry per module). A task type with no handler is made by :func:`create_clip`.
"""

from __future__ import annotations

from collections.abc import Callable

from tunesmith.engines.base import EngineResult
from tunesmith.jobs.analysis import ANALYSIS_HANDLERS
from tunesmith.jobs.context import Services
from tunesmith.jobs.edits import EDIT_HANDLERS
from tunesmith.jobs.families import FAMILY_HANDLERS
from tunesmith.jobs.personas import PERSONA_HANDLERS
from tunesmith.jobs.sample_mashup import SAMPLE_MASHUP_HANDLERS
from tunesmith.music.progress import Progress
from tunesmith.store.repos import Clip, Task

ClipHandler = Callable[[Services, Task, Clip, Progress], EngineResult]


def create_clip(services: Services, task: Task, clip: Clip, progress: Progress) -> EngineResult:
    """A new song from the request (create_music and its description / auto-lyrics modes)."""
    from tunesmith.jobs.runner import spec_for

    engine = services.engine(services.engine_name(clip.mv))
    return engine.create(spec_for(task, clip), progress)


HANDLERS: dict[str, ClipHandler] = {
    "create_music": create_clip,
    **ANALYSIS_HANDLERS,
    **EDIT_HANDLERS,
    **FAMILY_HANDLERS,
    **PERSONA_HANDLERS,
    **SAMPLE_MASHUP_HANDLERS,
}


def handler_for(task_type: str) -> ClipHandler:
    """The handler of ``task_type`` (create for anything unregistered)."""
    return HANDLERS.get(task_type, create_clip)
