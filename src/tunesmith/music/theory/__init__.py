"""Music theory: pitch classes, note names, modes and keys, chords, meter and tempo."""
