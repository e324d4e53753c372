"""The style knowledge base: genres, moods and instruments as data files, and tag parsing."""
