"""Engine registry: the built-in procedural engine plus entry points ``tunesmith.engines``.

A third-party engine package declares, in its pyproject::

    [project.entry-points."tunesmith.engines"]
    myengine = "mypackage.engine:MyEngine"

and is then selectable by name (settings ``engine.default`` / ``engine.models``).
"""

from __future__ import annotations

from importlib.metadata import entry_points

from tunesmith.engines.base import Engine
from tunesmith.errors import InvalidParameter

BUILTIN_ENGINES = ("procedural",)


def available_engines() -> list[str]:
    """Names of every engine that can be loaded, built-in first."""
    names = list(BUILTIN_ENGINES)
    names += sorted(ep.name for ep in entry_points(group="tunesmith.engines") if ep.name not in names)
    return names


def get_engine(name: str = "procedural", *, with_video: bool = True) -> Engine:
    """Instantiate the engine called ``name``; InvalidParameter (field ``engine``) if unknown."""
    if name == "procedural":
        from tunesmith.engines.procedural import ProceduralEngine

        return ProceduralEngine(with_video=with_video)
    for ep in entry_points(group="tunesmith.engines"):
        if ep.name == name:
            factory = ep.load()
            engine: Engine = factory()
            return engine
    raise InvalidParameter(
        f"Unknown engine '{name}'. Available: {', '.join(available_engines())}.", field="engine"
    )
