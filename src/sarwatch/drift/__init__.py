"""sarwatch.drift."""
