"""The corpus directory: its files, their document ids, and ``manifest.csv`` (the metadata people typed for
them), read by ingest and written by the document library.

Manifest: one row per file: ``file`` (its path below the corpus directory) and the fields in ``MANIFEST_FIELDS``.
Blank cells stay unknown. The file is replaced atomically, so a crash leaves the old one or the new one.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from ingest.load import decode_text
from ingest.models import DocumentMetadata

MANIFEST_NAME = "manifest.csv"
MANIFEST_FIELDS = DocumentMetadata.stated_fields()


def iter_corpus_files(directory: Path) -> Iterator[Path]:
    """Every file below ``directory`` except the manifest and hidden files, in a stable order."""
    for path in sorted(directory.rglob("*")):
        if (
            path.is_file()
            and path.name != MANIFEST_NAME
            and not any(part.startswith(".") for part in path.relative_to(directory).parts)
        ):
            yield path


def corpus_ids(directory: Path) -> dict[Path, str]:
    """Every corpus file and its document id: its path below ``directory`` without the suffix (``a`` for
    ``a.txt``), or with it when several files share that stem (``a.txt`` and ``a.md``), so ids never clash."""
    files = list(iter_corpus_files(directory))
    stems = Counter(p.relative_to(directory).with_suffix("").as_posix() for p in files)
    ids = {}
    for path in files:
        stem = path.relative_to(directory).with_suffix("").as_posix()
        ids[path] = stem if stems[stem] == 1 else path.relative_to(directory).as_posix()
    return ids


def read_manifest(directory: Path) -> dict[str, DocumentMetadata]:
    """Metadata an administrator typed in, keyed by file name. Blank cells stay unknown."""
    manifest = directory / MANIFEST_NAME
    if not manifest.exists():
        return {}
    text = decode_text(manifest.read_bytes(), str(manifest))
    rows: dict[str, DocumentMetadata] = {}
    for row in csv.DictReader(io.StringIO(text)):
        file_name = (row.get("file") or "").strip()
        if file_name:
            values = {k: (row.get(k) or "").strip() or None for k in MANIFEST_FIELDS}
            rows[file_name] = DocumentMetadata(**values)  # type: ignore[arg-type]
    return rows


def write_manifest(directory: Path, rows: dict[str, DocumentMetadata]) -> None:
    """Replace the manifest with ``rows`` (file name → metadata), atomically."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("file", *MANIFEST_FIELDS))
    for name, meta in sorted(rows.items()):
        writer.writerow([name, *(getattr(meta, f) or "" for f in MANIFEST_FIELDS)])
    fd, tmp = tempfile.mkstemp(prefix=".manifest-", suffix=".csv", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(out.getvalue())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, directory / MANIFEST_NAME)
    finally:
        Path(tmp).unlink(missing_ok=True)  # gone already when it was moved into place
