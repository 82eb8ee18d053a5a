"""sarwatch.services."""
