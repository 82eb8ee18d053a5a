"""sarwatch.ledger."""
