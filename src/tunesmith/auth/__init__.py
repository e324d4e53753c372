"""API keys (:mod:`tunesmith.auth.keys`) and per-key rate limits (:mod:`tunesmith.auth.ratelimit`)."""
