"""sarwatch.geo."""
