"""Engines: the port the jobs layer calls to make songs, and its registry."""
