"""The music domain: theory, style knowledge, lyrics, the Score, composing, rendering, analysis.

Pure functions and small dataclasses over numpy. No database, HTTP, queue or file paths here:
bytes and buffers in, bytes and buffers out. Imports nothing from tunesmith but ``music`` and
``errors``.
"""
