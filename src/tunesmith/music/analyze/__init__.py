"""Listening: measurements of an :class:`~tunesmith.music.audio.AudioBuffer`.

Each module is a pure, deterministic function of audio (any sample rate, any channel count; they
resample and downmix internally):

- :mod:`.tempo` — tempo, beats, local tempo range (``estimate_tempo``, ``librosa_tempo``)
- :mod:`.key` — key and mode from chroma (``estimate_key``)
- :mod:`.loudness` — integrated LUFS and true peak
- :mod:`.peaks` — waveform peaks for drawing (``waveform_peaks``)
- :mod:`.silence` — silent spans (``find_silences``)
- :mod:`.summary` — everything above as the bundle's JSON-ready ``analysis.json`` (``summarize``)
- :mod:`.meter` — meter (4/4, 3/4, 6/8) and downbeats (``estimate_meter``)
- :mod:`.chords` — chord spans (``estimate_chords``)
- :mod:`.structure` — sections with A/B labels and a verse/chorus guess (``estimate_sections``)
- :mod:`.separate` — vocals/accompaniment and vocals/drums/bass/other stems, ``sdr_db``
- :mod:`.vocals` — sung spans (``vocal_activity``)
- :mod:`.transcribe` — notes with basic-pitch (``transcribe_notes``), ``lead_line``, ``notes_to_midi``
- :mod:`.estimate` — the estimated Score of an upload (``estimate_score``)
- :mod:`.evalset` — deterministic evaluation audio with known tempo and key

Submodules are imported explicitly (``from tunesmith.music.analyze.tempo import estimate_tempo``)
so that importing this package does not load librosa.
"""
