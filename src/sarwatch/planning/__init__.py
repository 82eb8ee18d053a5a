"""sarwatch.planning."""
