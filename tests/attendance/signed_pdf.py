"""Reading a signed attendance PDF as a person would: its text, and the ink in a signature's box."""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.conftest import need

DPI = 72  # one PDF point per pixel


def pdf_text(pdf: bytes) -> str:
    need(shutil.which("pdftotext") is not None, "needs pdftotext (poppler-utils)")
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


def _words(pdf: bytes) -> list[tuple[str, float, float, float, float]]:
    html = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", "-", "-"], input=pdf,
                          capture_output=True, check=True).stdout.decode()
    return [(w, float(x0), float(y0), float(x1), float(y1)) for x0, y0, x1, y1, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)]


def signature_ink(pdf: bytes, first_name_word: str, header: str = "Signature", next_header: str = "Signed") -> int:
    """Dark pixels in the signature column, in the row that starts with the learner's name."""
    need(shutil.which("pdftoppm") is not None, "needs pdftoppm (poppler-utils)")
    from PIL import Image

    words = _words(pdf)
    column = next(w for w in words if w[0] == header)
    after = next(w for w in words if w[0] == next_header and w[1] > column[1])
    row = next(w for w in words if w[0] == first_name_word and w[2] > column[4])
    below = [w[2] for w in words if w[2] > row[4] + 8 and w[1] < column[1] - 40]
    bottom = min(below) if below else row[2] + 60
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-f", "1", "-l", "1", "-", f"{folder}/page"],
                       input=pdf, check=True)
        image = Image.open(next(Path(folder).glob("page*.png"))).convert("L")
        box = (int(column[1]) + 2, int(row[2]) - 4, int(after[1]) - 6, int(bottom) - 4)
        return sum(image.crop(box).histogram()[:128])
