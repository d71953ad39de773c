"""OCR of scanned documents: character accuracy against the source text, and pages per second on this machine.

    python -m bench.ocr [--pages 5]

The scanned PDF is the test fixture (bench/fixtures.py): a notice's text drawn in a CJK font as an
image-only page, no text layer. Accuracy = 1 − edit distance / characters of the source (whitespace ignored).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench import fixtures
from ingest import ocr
from ingest.load import load_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=5)
    args = parser.parse_args()
    ocr.recognise(fixtures.scanned_page())  # load the models first: not part of the rate
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scan.pdf"
        path.write_bytes(fixtures.scanned_pdf(args.pages))
        started = time.perf_counter()
        raw = load_file(path)
        seconds = time.perf_counter() - started
    truth = "\n".join(line for page in range(args.pages) for line in fixtures.scanned_lines(page))
    accuracy = fixtures.char_accuracy(raw.text, truth)
    dpi = ocr.RENDER_SCALE * 72
    print(f"OCR, scanned PDF ({args.pages} pages, rendered at {dpi:.0f} dpi)")
    print(f"  character accuracy: {accuracy:.4f} ({len(truth)} characters)")
    print(f"  {args.pages / seconds:.2f} pages/s ({seconds:.1f} s), 2 cores")


if __name__ == "__main__":
    main()
