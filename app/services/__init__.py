"""Use cases over the database: each takes a session and ids, flushes, and never commits."""
