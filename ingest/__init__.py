"""Ingest: load files, clean them, read their metadata and cut them into chunks."""
