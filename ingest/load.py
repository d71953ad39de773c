"""Read files of the supported formats into ``RawDocument``s.

Encodings are detected, not guessed by crash: UTF-8 (with or without BOM) and
GB18030 (a superset of GBK/GB2312, common for government files) are tried
strictly, then charset-normalizer decides. Anything that is not text fails with
an ``IngestError`` naming the file.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from pathlib import Path

from ingest import ocr
from ingest.errors import EmptyDocument, IngestError, UnsupportedFormat
from ingest.models import DEFAULT_LIMITS, DocumentMetadata, RawDocument, ReadLimits
from ingest.pdftext import clean_pages, pages_with_tables
from ingest.tables import SHEET_HEADING, pipe_tables_to_lines, table_lines

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (
    ".txt", ".md", ".html", ".htm", ".pdf", ".docx", ".doc", ".wps", ".xlsx", ".xls",
    ".png", ".jpg", ".jpeg", ".tif", ".tiff",
)  # fmt: skip
_META_KEYS = DocumentMetadata.stated_fields()
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
# limits that keep one hostile file from eating the machine: a .docx's unpacked size and ratio (the page
# limits are settings: ReadLimits)
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ZIP_RATIO = 200
OFFICE_SECONDS = 120  # LibreOffice converting one .doc/.wps


def decode_text(data: bytes, path: str) -> str:
    """Decode bytes of a text file; raise ``IngestError`` for binary or undecodable data."""
    if not data.strip():
        raise EmptyDocument(path, "the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:  # odd length, or broken surrogate pairs
            raise IngestError(path, "the UTF-16 text is damaged (truncated or invalid)") from exc
    if b"\x00" in data[:4096]:
        raise IngestError(path, "looks like a binary file, not text")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise IngestError(path, "cannot detect the text encoding")
    return str(best)


def _read_front_matter(text: str) -> tuple[str, DocumentMetadata]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return text, DocumentMetadata()
    values: dict[str, str] = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() in _META_KEYS and value.strip():
            values[key.strip()] = value.strip().strip("\"'")
    return text[match.end() :], DocumentMetadata(**values)  # type: ignore[arg-type]  # only str fields are read


def _load_markdown(data: bytes, path: str, limits: ReadLimits) -> tuple[str, DocumentMetadata]:
    text, meta = _read_front_matter(decode_text(data, path))
    text = pipe_tables_to_lines(re.sub(r"(?m)^\s{0,3}#{1,6}\s*", "", text))
    text = re.sub(r"(?m)^\s*[-*+]\s+", "", text)
    return text, meta


def _load_html(data: bytes, path: str, limits: ReadLimits) -> tuple[str, DocumentMetadata]:
    import trafilatura

    html = decode_text(data, path)
    text = trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=True)
    text = pipe_tables_to_lines(text or "")
    found = trafilatura.extract_metadata(html)
    meta = DocumentMetadata(
        title=found.title if found else None,
        date=found.date if found else None,
        source_url=found.url if found else None,
    )
    return text or "", meta


def _load_pdf(data: bytes, path: str, limits: ReadLimits) -> tuple[str, DocumentMetadata]:
    """The text layer of each page; pages without a usable one (scans) are recognised (ingest/ocr.py)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if len(reader.pages) > limits.pdf_pages:
            raise IngestError(path, f"the PDF has {len(reader.pages)} pages; at most {limits.pdf_pages} are read")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except IngestError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise IngestError(path, f"cannot read PDF ({type(exc).__name__})") from exc
    for i, text in pages_with_tables(data).items():
        pages[i] = text
    scanned = [i for i, text in enumerate(pages) if not ocr.usable(text)]
    if scanned:
        for i, text in ocr.recognise_pages(data, path, scanned, limits).items():
            pages[i] = text
    recognised = bool(scanned) and any(pages[i] for i in scanned)
    return clean_pages(pages), DocumentMetadata(title=title or None, ocr=recognised)


def _load_office(data: bytes, path: str, limits: ReadLimits) -> tuple[str, DocumentMetadata]:
    """A .doc or .wps (Word 97–2003, WPS Office): converted to .docx by LibreOffice, then read as one."""
    import shutil
    import subprocess
    import tempfile

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise IngestError(
            path, "reading .doc/.wps needs LibreOffice: apt-get install libreoffice-writer-nogui (or save it as .docx)"
        )
    suffix = Path(path).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="policyqa-office-") as tmp:
        source = Path(tmp) / f"document{suffix}"
        source.write_bytes(data)
        try:
            subprocess.run(
                [soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--convert-to", "docx",
                 "--outdir", tmp, str(source)],
                check=True, capture_output=True, timeout=OFFICE_SECONDS,
            )  # fmt: skip
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            raise IngestError(path, f"LibreOffice could not convert the file ({type(exc).__name__})") from exc
        converted = Path(tmp) / "document.docx"
        if not converted.exists():
            raise IngestError(path, "LibreOffice could not convert the file (no output)")
        return _load_docx(converted.read_bytes(), path, limits)


def _load_image(data: bytes, path: str, limits: ReadLimits) -> tuple[str, DocumentMetadata]:
    return ocr.recognise_image_file(data, path), DocumentMetadata(ocr=True)


def _check_zip(data: bytes, path: str) -> None:
    """A .docx is a zip: refuse a bomb (huge unpacked size or ratio) and XML that declares entities."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            unpacked = sum(i.file_size for i in infos)
            if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_ZIP_RATIO * max(len(data), 1):
                raise IngestError(path, f"the file unpacks to {unpacked // 1024 // 1024} MB; refused as a zip bomb")
            for info in infos:
                if info.filename.endswith(".xml"):
                    with archive.open(info) as member:
                        head = member.read(4096)
                    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                        raise IngestError(path, f"{info.filename} declares a DOCTYPE/entities; refused")
    except zipfile.BadZipFile as exc:
        raise IngestError(path, "cannot read DOCX (not a zip file)") from exc


def _load_docx(data: bytes, path: str, limits: ReadLimits) -> tuple[str, DocumentMetadata]:
    import zipfile

    from docx import Document

    _check_zip(data, path)
    try:
        doc = Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError, SyntaxError) as exc:
        # lxml's XMLSyntaxError is a SyntaxError
        raise IngestError(path, f"cannot read DOCX ({type(exc).__name__})") from exc
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    lines: list[str] = []
    for block in doc.iter_inner_content():  # paragraphs and tables in document order: a table stays in its section
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            lines += table_lines([[cell.text for cell in row.cells] for row in block.rows])
    return "\n".join(lines), DocumentMetadata(title=doc.core_properties.title or None)


def _load_xlsx(data: bytes, path: str, limits: ReadLimits) -> tuple[str, DocumentMetadata]:
    """Each sheet a section (``工作表：名称``), its rows as table lines."""
    import zipfile

    from openpyxl import load_workbook

    _check_zip(data, path)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheets = [(sheet.title, list(sheet.iter_rows(values_only=True))) for sheet in book.worksheets]
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError, SyntaxError, OSError) as exc:
        raise IngestError(path, f"cannot read XLSX ({type(exc).__name__})") from exc
    return _sheets_text(sheets), DocumentMetadata(title=book.properties.title or None)


def _load_xls(data: bytes, path: str, limits: ReadLimits) -> tuple[str, DocumentMetadata]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data)
        sheets = [(s.name, [s.row_values(r) for r in range(s.nrows)]) for s in book.sheets()]
    except (xlrd.XLRDError, ValueError, KeyError, IndexError, AssertionError, OSError) as exc:
        raise IngestError(path, f"cannot read XLS ({type(exc).__name__})") from exc
    return _sheets_text(sheets), DocumentMetadata()


def _sheets_text(sheets: list[tuple[str, list]]) -> str:
    lines = []
    for name, rows in sheets:
        body = table_lines(rows)
        if body:
            lines += [f"{SHEET_HEADING}{name}", *body]
    return "\n".join(lines)


def _load_txt(data: bytes, path: str, limits: ReadLimits) -> tuple[str, DocumentMetadata]:
    return _read_front_matter(decode_text(data, path))


_LOADERS = {
    ".txt": _load_txt,
    ".md": _load_markdown,
    ".html": _load_html,
    ".htm": _load_html,
    ".pdf": _load_pdf,
    ".docx": _load_docx,
    ".xlsx": _load_xlsx,
    ".xls": _load_xls,
    ".doc": _load_office,
    ".wps": _load_office,
    ".png": _load_image,
    ".jpg": _load_image,
    ".jpeg": _load_image,
    ".tif": _load_image,
    ".tiff": _load_image,
}


def load_file(path: Path, doc_id: str | None = None, limits: ReadLimits = DEFAULT_LIMITS) -> RawDocument:
    """Read one file. Raises ``IngestError`` (or a subclass) naming the file."""
    name = str(path)
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise UnsupportedFormat(
            name, f"unsupported file type '{path.suffix or '(none)'}'; supported: {', '.join(SUPPORTED_SUFFIXES)}"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(name, f"cannot read the file ({exc.strerror})") from exc
    text, meta = loader(data, name, limits)
    if not text.strip():
        raise EmptyDocument(name, "no text could be extracted")
    return RawDocument(
        doc_id=doc_id or path.stem,
        path=name,
        text=text,
        format=path.suffix.lower().lstrip("."),
        metadata=meta,
    )


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
