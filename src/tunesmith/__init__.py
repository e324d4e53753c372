"""tunesmith: a self-hosted music generation and analysis server.

Importing the package has no side effects; see :mod:`tunesmith.music` for the engine and
:mod:`tunesmith.api` for the HTTP service.
"""

__version__ = "0.1.0"
