"""Typed records that flow through the pipeline: documents in, chunks out."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields


@dataclass(frozen=True)
class DocumentMetadata:
    """What is known about a document. ``None`` means unknown: never guessed."""

    title: str | None = None
    region: str | None = None
    publisher: str | None = None
    date: str | None = None
    source_url: str | None = None
    doc_number: str | None = None
    # where ``region`` came from: manifest | file (its own front matter) | title | publisher | issuer | body
    region_source: str | None = None
    ocr: bool = False  # some of the text was recognised from a scan (it may hold recognition errors)

    @classmethod
    def stated_fields(cls) -> tuple[str, ...]:
        """What a person states about a document (manifest columns, front matter, upload form); ``region_source``
        and ``ocr`` are found out by ingest, never typed."""
        return tuple(f.name for f in fields(cls) if f.name not in ("region_source", "ocr"))

    def merged_over(self, fallback: DocumentMetadata) -> DocumentMetadata:
        """Fields of ``self`` win; gaps are filled from ``fallback``."""
        return DocumentMetadata(**{f.name: getattr(self, f.name) or getattr(fallback, f.name) for f in fields(self)})

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)


@dataclass(frozen=True)
class ReadLimits:
    """How much of one hostile or huge file ingest will read (``POLICYQA_*`` settings; app/config.py)."""

    pdf_pages: int = 2000
    ocr_pages: int = 200
    ocr_seconds: float = 900.0


DEFAULT_LIMITS = ReadLimits()


@dataclass(frozen=True)
class RawDocument:
    """A file's text as read from disk, before cleaning."""

    doc_id: str
    path: str
    text: str
    format: str
    metadata: DocumentMetadata = field(default_factory=DocumentMetadata)


@dataclass(frozen=True)
class PolicyDocument:
    """A cleaned document with its metadata; offsets of chunks point into ``text``."""

    doc_id: str
    path: str
    text: str
    metadata: DocumentMetadata
    content_hash: str
    removed_chars: int = 0  # non-space characters cleaning removed (page chrome); the ingest report shows it

    @property
    def kept_chars(self) -> int:
        return len("".join(self.text.split()))


@dataclass(frozen=True)
class Chunk:
    """A passage of a document. ``text == document.text[start:end]``."""

    chunk_id: str
    doc_id: str
    text: str
    start: int
    end: int
    section: tuple[str, ...]
    metadata: DocumentMetadata

    @property
    def section_path(self) -> str:
        return " > ".join(self.section)

    def index_text(self) -> str:
        """The text keyword and vector indexes see: title and section give a passage its context."""
        head = " ".join(dict.fromkeys(p for p in (self.metadata.title, *self.section) if p))  # a title once
        return f"{head}\n{self.text}" if head else self.text
