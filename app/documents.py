"""The document library staff manage: files in the corpus directory plus their rows in manifest.csv.

Every change is checked first and written atomically (temporary file, then rename), so a rejected upload
or a crash changes nothing. Indexing is separate: ``policyqa ingest`` or ``POST /api/admin/reindex``.
"""

from __future__ import annotations

import fcntl
import glob
import io
import os
import re
import tempfile
import threading
import unicodedata
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from app.config import Settings
from ingest.corpus import corpus_ids, read_manifest, write_manifest
from ingest.errors import IngestError
from ingest.load import SUPPORTED_SUFFIXES, decode_text
from ingest.metadata import iso_date, web_url
from ingest.models import DEFAULT_LIMITS, DocumentMetadata, ReadLimits
from ingest.pipeline import check_readable

_UNSAFE = re.compile(r"[^\w\u4e00-\u9fff.\-]+")
_MAX_NAME_BYTES = 200  # file systems allow 255; the rest is room for temporary names


class UploadRejected(Exception):
    """The upload was refused; ``message`` (Chinese) says why. Nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UploadTooLarge(UploadRejected):
    """Larger than the configured limit."""


class UnsupportedContent(UploadRejected):
    """A file type ingest does not read, or content that is not what its name says."""


class UploadConflict(UploadRejected):
    """A file of that name (or the same id) is already there."""


class UploadInvalid(UploadRejected):
    """The file or its metadata is unusable: unreadable content, an invalid date, URL or name."""


class DocumentNotFound(Exception):
    pass


@dataclass(frozen=True)
class LibraryDocument:
    doc_id: str
    file: str
    size: int
    metadata: DocumentMetadata


# why ingest could not read a file (English, for operators' logs) as an uploader reads it
_REASONS = (
    (r"^the PDF has (\d+) pages; at most (\d+)", "PDF 共 {0} 页，超过上限 {1} 页"),
    (r"^the file unpacks to (\d+) MB", "文件解压后有 {0} MB，疑似压缩炸弹，已拒绝"),
    (r"declares a DOCTYPE", "文件中含有不安全的 XML 声明（DOCTYPE/实体），已拒绝"),
    (r"^cannot read DOCX", "Word 文件已损坏或格式不正确"),
    (r"^cannot read PDF", "PDF 文件已损坏或无法解析"),
    (r"^cannot read XLSX?", "Excel 文件已损坏或格式不正确"),
    (r"^cannot read the image", "图片已损坏或格式不正确"),
    (r"needs LibreOffice", "服务器未安装 LibreOffice，无法读取 .doc/.wps 文件；请另存为 .docx 后上传"),
    (r"^LibreOffice could not convert", "无法转换该 .doc/.wps 文件（可能已损坏）"),
    (r"^(\d+) scanned pages to recognise; at most (\d+)", "扫描件共 {0} 页需要识别，超过上限 {1} 页"),
    (r"^recognising the scanned pages took longer than (\d+)", "识别扫描件超时（超过 {0} 秒）"),
    (r"^reading the file took longer than (\d+)", "读取文件超时（超过 {0} 秒）"),
    (r"needs too much memory", "读取文件所需内存过大"),
    (r"^the reader stopped", "读取文件时出错（文件可能已损坏或过大）"),
    (r"^no text could be extracted", "文件中没有可提取的文字（扫描件需先识别文字）"),
    (r"^no text left after removing page chrome", "去除网页导航、版权声明等内容后没有剩下正文"),
    (r"UTF-16 text is damaged", "UTF-16 文本已损坏"),
    (r"binary file|text encoding", "文件内容不是可识别的文本"),
    (r"^the file is empty", "文件是空的"),
)


def reason_in_chinese(reason: str) -> str:
    for pattern, chinese in _REASONS:
        if match := re.search(pattern, reason):
            return chinese.format(*match.groups())
    return "文件无法读取"


_ZIP_MEMBER = {".docx": ("word/document.xml", "Word (.docx)"), ".xlsx": ("xl/workbook.xml", "Excel (.xlsx)")}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of .xls / .doc / .wps
_MAGIC: dict[str, tuple[bytes | tuple[bytes, ...], str]] = {
    ".xls": (_OLE, "Excel (.xls) 文档"),
    ".doc": (_OLE, "Word (.doc) 文档"),
    ".wps": (_OLE, "WPS 文字文档"),
    ".png": (b"\x89PNG\r\n\x1a\n", "PNG 图片"),
    ".jpg": (b"\xff\xd8\xff", "JPEG 图片"),
    ".jpeg": (b"\xff\xd8\xff", "JPEG 图片"),
    ".tif": ((b"II*\x00", b"MM\x00*"), "TIFF 图片"),
    ".tiff": ((b"II*\x00", b"MM\x00*"), "TIFF 图片"),
}


def size_label(size: int) -> str:
    """``20 MB`` / ``48 KB``: a limit as people read it."""
    return f"{size // 1024**2} MB" if size >= 1024**2 else f"{max(size // 1024, 1)} KB"


def safe_filename(name: str) -> str:
    """The file's own name (no directories), with only letters, digits, CJK, '.', '-' and '_'."""
    base = PurePosixPath(name.replace("\\", "/")).name
    cleaned = _UNSAFE.sub("_", base).strip("._")
    if len(cleaned.encode("utf-8")) > _MAX_NAME_BYTES:
        raise UploadInvalid(
            f"文件名太长（最多 {_MAX_NAME_BYTES} 字节，约 {_MAX_NAME_BYTES // 3} 个汉字），请改短后上传"
        )
    suffix = PurePosixPath(cleaned).suffix.lower()
    if not cleaned or not PurePosixPath(cleaned).stem.strip("_"):
        raise UploadRejected("文件名无效")
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedContent(f"不支持的文件类型“{suffix or '无后缀'}”，支持：{'、'.join(SUPPORTED_SUFFIXES)}")
    return cleaned


def check_content(name: str, data: bytes) -> None:
    """The bytes must be what the name says: a PDF is a PDF, a DOCX a Word zip, text decodes as text."""
    if not data.strip():
        raise UploadRejected("文件是空的")
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".pdf":
        if not data.startswith(b"%PDF-"):
            raise UnsupportedContent("文件内容不是 PDF")
    elif suffix in _ZIP_MEMBER:
        member, kind = _ZIP_MEMBER[suffix]
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if member not in archive.namelist():
                    raise UnsupportedContent(f"文件内容不是 {kind} 文档")
        except zipfile.BadZipFile as exc:
            raise UnsupportedContent(f"文件内容不是 {kind} 文档") from exc
    elif suffix in _MAGIC:
        magic, kind = _MAGIC[suffix]
        if not data.startswith(magic):
            raise UnsupportedContent(f"文件内容不是 {kind}")
    else:
        try:
            decode_text(data, name)
        except IngestError as exc:
            raise UnsupportedContent("文件内容不是可识别的文本（可能是二进制文件或编码无法识别）") from exc


def library_for(settings: Settings) -> DocumentLibrary:
    return DocumentLibrary(
        settings.corpus_dir, settings.upload_max_bytes, settings.upload_parse_seconds, settings.read_limits()
    )


class DocumentLibrary:
    """One per app. Changes hold a thread lock and a file lock on the corpus directory, so concurrent
    uploads and deletes — from this process or another (``policyqa docs``) — never interleave."""

    def __init__(
        self, corpus_dir: Path, max_bytes: int, parse_timeout: float = 60.0, limits: ReadLimits = DEFAULT_LIMITS
    ) -> None:
        self.root = Path(corpus_dir)
        self.max_bytes = max_bytes
        self.parse_timeout = parse_timeout
        self.limits = limits
        self._lock = threading.Lock()

    @contextmanager
    def _changing(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with self._lock:
            fd = os.open(self.root, os.O_RDONLY)  # the directory itself is the lock: no lock file lying about
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)

    def list(self) -> list[LibraryDocument]:
        """The documents as ingest sees them (same files, same ids)."""
        if not self.root.exists():
            return []
        manifest = read_manifest(self.root)
        documents = []
        for path, doc_id in corpus_ids(self.root).items():
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                file = path.relative_to(self.root).as_posix()
                documents.append(
                    LibraryDocument(doc_id, file, path.stat().st_size, manifest.get(file, DocumentMetadata()))
                )
        return documents

    def find(self, doc_id: str) -> LibraryDocument:
        for doc in self.list():
            if doc.doc_id == doc_id:
                return doc
        raise DocumentNotFound(doc_id)

    def save(self, filename: str, data: bytes, metadata: DocumentMetadata, replace: bool = False) -> LibraryDocument:
        """Check an upload completely, then store it and its manifest row; on any problem nothing changes."""
        if len(data) > self.max_bytes:
            raise UploadTooLarge(f"文件太大（最多 {size_label(self.max_bytes)}）")
        name = safe_filename(filename)
        check_content(name, data)
        if metadata.date and iso_date(metadata.date) != metadata.date:
            raise UploadInvalid("日期无效：应为真实日期，格式 YYYY-MM-DD")
        if metadata.source_url and not web_url(metadata.source_url):
            raise UploadInvalid("来源网址无效：只接受 http:// 或 https:// 开头的网址")
        for value in metadata.to_dict().values():
            if value and any(unicodedata.category(c).startswith("C") for c in value):
                raise UploadInvalid("元数据中含有控制字符等无效字符")
        with self._changing():
            target = self.root / name
            if target.exists() and not replace:
                raise UploadConflict(f"文件“{name}”已存在；如需替换请使用替换操作")
            # a file whose id would clash (same stem, other extension: a.txt next to a.md)
            same_stem = self.root.glob(glob.escape(target.stem) + ".*")
            twin = next((p.name for p in same_stem if p.stem == target.stem and p.name != name), None)
            if twin is not None:
                raise UploadConflict(f"已有同名文件“{twin}”（只有扩展名不同）；请改名后上传，或替换“{twin}”")
            if not target.exists() and replace:
                raise DocumentNotFound(PurePosixPath(name).stem)
            tmp = self._write_temp(data, suffix=target.suffix)
            try:
                # the same checks ingest makes (text left after cleaning), in a bounded child process
                check_readable(tmp, target.stem, metadata, self.parse_timeout, self.limits)
                os.replace(tmp, target)
            except IngestError as exc:
                raise UploadInvalid(f"无法读取文件内容：{reason_in_chinese(exc.reason)}") from exc
            finally:
                tmp.unlink(missing_ok=True)  # gone already when it was moved into place
            self._write_manifest_row(name, metadata)
        return next(d for d in self.list() if d.file == name)

    def remove(self, doc_id: str) -> None:
        with self._changing():
            doc = self.find(doc_id)
            (self.root / doc.file).unlink()
            self._write_manifest_row(doc.file, None)

    def _write_temp(self, data: bytes, suffix: str) -> Path:
        fd, path = tempfile.mkstemp(prefix=".upload-", suffix=suffix, dir=self.root)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        return Path(path)

    def _write_manifest_row(self, file: str, metadata: DocumentMetadata | None) -> None:
        """Set (or, with None, delete) a file's manifest row; the manifest is replaced atomically."""
        rows = read_manifest(self.root)
        if metadata is None:
            rows.pop(file, None)
        else:
            rows[file] = metadata
        write_manifest(self.root, rows)
