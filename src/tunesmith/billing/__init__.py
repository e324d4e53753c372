"""Credits: the append-only ledger (:mod:`tunesmith.billing.ledger`) and prices (settings ``billing``)."""
