"""sarwatch.domain."""
