"""Use cases over the database: each function works inside the caller's transaction."""
