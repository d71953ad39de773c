"""Ingest a directory: load every file, clean it, settle its metadata. Bad files are reported, not fatal."""

from __future__ import annotations

import json
import logging
import multiprocessing
import resource
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from pathlib import Path

from tqdm import tqdm

from ingest.clean import clean_text
from ingest.corpus import corpus_ids, read_manifest
from ingest.errors import EmptyDocument, IngestError
from ingest.load import load_file, sha256_text
from ingest.metadata import extract_metadata, first_title_line, iso_date, issued_document, web_url
from ingest.models import DEFAULT_LIMITS, DocumentMetadata, PolicyDocument, RawDocument, ReadLimits
from ingest.zh.places import Gazetteer

log = logging.getLogger(__name__)


@dataclass
class CorpusLoad:
    documents: list[PolicyDocument] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)


def prepare_document(raw: RawDocument, given: DocumentMetadata, gazetteer: Gazetteer | None = None) -> PolicyDocument:
    """Clean ``raw`` and settle its metadata: what an administrator gave wins, then what the
    file format carries, then what the text states. Nothing is invented."""
    text = clean_text(raw.text)
    if not text.strip():
        raise EmptyDocument(raw.path, "no text left after removing page chrome")
    meta = given.merged_over(raw.metadata).merged_over(extract_metadata(raw.text))
    if meta.date != iso_date(meta.date) or meta.source_url != web_url(meta.source_url):
        log.warning("%s: ignored an invalid date or a non-http(s) source URL in its metadata", raw.path)
        meta = replace(meta, date=iso_date(meta.date), source_url=web_url(meta.source_url))
    stated_title = meta.title or first_title_line(text)  # the issuing body a notice's title names is its region
    if not meta.title:
        meta = replace(meta, title=issued_document(stated_title))
    if meta.region and not meta.region_source:
        meta = replace(meta, region_source="manifest" if given.region else "file")
    elif not meta.region:
        guess = (gazetteer or Gazetteer.default()).infer_region(stated_title, meta.publisher, text)
        if guess:
            meta = replace(meta, region=guess.region, region_source=guess.source)
    content_hash = sha256_text(text + json.dumps(meta.to_dict(), ensure_ascii=False, sort_keys=True))
    removed = len("".join(raw.text.split())) - len("".join(text.split()))
    return PolicyDocument(raw.doc_id, raw.path, text, meta, content_hash, max(removed, 0))


_CHILD_MEMORY = 2 * 1024**3  # address space a file's reader may use


def _check_in_child(path: str, doc_id: str, given: dict, limits: ReadLimits, conn: Connection) -> None:
    """Runs in a child process: read and prepare the file; send None, or the reason it cannot be indexed."""
    try:
        resource.setrlimit(resource.RLIMIT_AS, (_CHILD_MEMORY, _CHILD_MEMORY))
        prepare_document(load_file(Path(path), doc_id, limits), DocumentMetadata(**given))
        conn.send(None)
    except IngestError as exc:
        conn.send(exc.reason)
    except MemoryError:
        conn.send("reading the file needs too much memory")
    except Exception as exc:  # a reader library failing on a hostile file: a reason, not a crash
        conn.send(f"cannot read the file ({type(exc).__name__})")


def check_readable(
    path: Path, doc_id: str, given: DocumentMetadata, timeout: float, limits: ReadLimits = DEFAULT_LIMITS
) -> None:
    """Raise ``IngestError`` unless ``path`` would ingest (text left after cleaning). The file is read in a
    separate process, bounded in time and memory, so a hostile upload (a 50,000-page PDF, a zip bomb) cannot
    stall or exhaust the server."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    args = (str(path), doc_id, given.to_dict(), limits, sender)
    process = context.Process(target=_check_in_child, args=args, daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise IngestError(str(path), f"reading the file took longer than {timeout:.0f} s")
        reason = receiver.recv()
    except EOFError:
        reason = "the reader stopped (the file may be damaged or too large)"
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receiver.close()
    if reason:
        raise IngestError(str(path), reason)


def load_corpus(directory: Path, progress: bool = True, limits: ReadLimits = DEFAULT_LIMITS) -> CorpusLoad:
    """Every readable document below ``directory``; one bad file does not stop the rest."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"corpus directory '{directory}' does not exist")
    manifest = read_manifest(directory)
    gazetteer = Gazetteer.default(m.region for m in manifest.values() if m.region)
    result = CorpusLoad()
    ids = corpus_ids(directory)
    for path, doc_id in tqdm(ids.items(), desc="Reading documents", unit="file", disable=not progress):
        rel = path.relative_to(directory).as_posix()
        try:
            raw = load_file(path, doc_id, limits)
            doc = prepare_document(raw, manifest.get(rel, DocumentMetadata()), gazetteer)
        except IngestError as exc:
            log.info("not indexed: %s", exc)
            result.errors.append(exc)
            continue
        result.documents.append(doc)
    return result
