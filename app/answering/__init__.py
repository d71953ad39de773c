"""Answering: from retrieved passages to a short, cited answer, or an honest refusal."""
