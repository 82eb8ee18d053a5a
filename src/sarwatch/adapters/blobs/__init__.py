"""Media files stored outside the database, named by their SHA-256."""
