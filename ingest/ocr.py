"""OCR for scanned PDFs and images: RapidOCR with the PP-OCRv4 Chinese models that ship inside its wheel
(``rapidocr-onnxruntime``; nothing is downloaded). PDF pages are rendered with pypdfium2 (BSD/Apache).

Only pages without a usable text layer are recognised. Recognised lines are put in reading order (top to
bottom; boxes on one line left to right). A document that would need more than ``ReadLimits.ocr_pages``
pages recognised, or more than ``ReadLimits.ocr_seconds`` (settings ``POLICYQA_OCR_MAX_PAGES``,
``POLICYQA_OCR_SECONDS``), is refused with a reason rather than half-read.
"""

from __future__ import annotations

import io
import time
from functools import cache

import numpy as np
from tqdm import tqdm

from ingest.errors import IngestError
from ingest.models import ReadLimits

RENDER_SCALE = 2.0  # 144 dpi: small print stays legible
MIN_TEXT_LAYER = 20  # characters on a page for its text layer to count as usable
OCR_NOTE = "识别自扫描件，可能有误"


@cache
def _engine():
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def recognise(image) -> str:
    """The text of a PIL image (or array), one line per text line, in reading order."""
    result, _ = _engine()(np.asarray(image.convert("RGB")) if hasattr(image, "convert") else image)
    if not result:
        return ""
    boxes = []
    for box, text, _score in result:
        ys = [p[1] for p in box]
        boxes.append((min(ys), max(ys), min(p[0] for p in box), text))
    boxes.sort()
    lines: list[list[tuple[float, str]]] = []
    bottom = -1.0
    for top, low, left, text in boxes:
        if lines and top < bottom - 0.5 * (low - top):  # overlaps the current line vertically: same line
            lines[-1].append((left, text))
            bottom = max(bottom, low)
        else:
            lines.append([(left, text)])
            bottom = low
    return "\n".join(" ".join(t for _, t in sorted(line)) for line in lines)


def recognise_image_file(data: bytes, path: str) -> str:
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise IngestError(path, f"cannot read the image ({type(exc).__name__})") from exc
    return recognise(image)


def usable(text: str) -> bool:
    return sum(ch.isalnum() for ch in text) >= MIN_TEXT_LAYER


def recognise_pages(data: bytes, path: str, pages: list[int], limits: ReadLimits) -> dict[int, str]:
    """OCR of the given (0-based) pages of a PDF, with a progress bar, within the page and time limits."""
    import pypdfium2

    if len(pages) > limits.ocr_pages:
        raise IngestError(path, f"{len(pages)} scanned pages to recognise; at most {limits.ocr_pages}")
    started = time.monotonic()
    document = pypdfium2.PdfDocument(data)
    try:
        out = {}
        for number in tqdm(pages, desc=f"OCR {path.rsplit('/', 1)[-1]}", unit="page", disable=None):
            if time.monotonic() - started > limits.ocr_seconds:
                raise IngestError(path, f"recognising the scanned pages took longer than {limits.ocr_seconds:.0f} s")
            image = document[number].render(scale=RENDER_SCALE).to_pil()
            out[number] = recognise(image)
        return out
    finally:
        document.close()
