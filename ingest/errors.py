"""Ingest failures. Each names the file so an operator knows what to fix."""


class IngestError(Exception):
    """A file could not be turned into a document; the rest of the batch goes on."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class UnsupportedFormat(IngestError):
    """The file's type is not one we can read."""


class EmptyDocument(IngestError):
    """The file has no text left to index."""
