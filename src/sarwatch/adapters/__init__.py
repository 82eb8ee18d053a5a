"""sarwatch.adapters."""
