"""Ingest a directory: load every file, clean it, settle its metadata. Bad files are reported, not fatal."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

from tqdm import tqdm

from ingest.clean import clean_text
from ingest.errors import EmptyDocument, IngestError
from ingest.load import doc_id_for, iter_corpus_files, load_file, read_manifest, sha256_text
from ingest.metadata import extract_metadata, first_title_line
from ingest.models import DocumentMetadata, PolicyDocument, RawDocument
from ingest.regions import Gazetteer

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
    if not meta.title:
        meta = replace(meta, title=first_title_line(text))
    if not meta.region and meta.title:
        meta = replace(meta, region=(gazetteer or Gazetteer.default()).region_in_title(meta.title))
    content_hash = sha256_text(text + json.dumps(meta.to_dict(), ensure_ascii=False, sort_keys=True))
    return PolicyDocument(raw.doc_id, raw.path, text, meta, content_hash)


def load_corpus(directory: Path, progress: bool = True) -> CorpusLoad:
    """Every readable document below ``directory``; one bad file does not stop the rest."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"corpus directory '{directory}' does not exist")
    manifest = read_manifest(directory)
    gazetteer = Gazetteer.default(m.region for m in manifest.values() if m.region)
    result = CorpusLoad()
    files = list(iter_corpus_files(directory))
    for path in tqdm(files, desc="Reading documents", unit="file", disable=not progress):
        rel = path.relative_to(directory).as_posix()
        try:
            raw = load_file(path, doc_id_for(path, directory))
            doc = prepare_document(raw, manifest.get(rel, DocumentMetadata()), gazetteer)
        except IngestError as exc:
            log.warning("skipped %s", exc)
            result.errors.append(exc)
            continue
        result.documents.append(doc)
    return result
