"""Index: encoders, vector store, keyword index, persistence and hybrid retrieval."""
