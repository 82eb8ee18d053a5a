"""sarwatch.rules."""
