"""Listening: measurements of an :class:`~tunesmith.music.audio.AudioBuffer`.

Each module is a pure, deterministic function of audio (any sample rate, any channel count; they
resample and downmix internally):

- :mod:`.tempo` — tempo, beats, local tempo range (``estimate_tempo``, ``librosa_tempo``)
- :mod:`.key` — key and mode from chroma (``estimate_key``)
- :mod:`.loudness` — integrated LUFS and true peak
- :mod:`.peaks` — waveform peaks for drawing (``waveform_peaks``)
- :mod:`.silence` — silent spans (``find_silences``)
- :mod:`.summary` — everything above as the bundle's JSON-ready ``analysis.json`` (``summarize``)
- :mod:`.evalset` — deterministic evaluation audio with known tempo and key

Submodules are imported explicitly (``from tunesmith.music.analyze.tempo import estimate_tempo``)
so that importing this package does not load librosa.
"""
