"""The fonts the product ships for scripts that PDF designs and system fonts may lack.

Noto Naskh Arabic (SIL Open Font License 1.1, `lms/static/fonts/`) is declared for the Arabic
blocks only (`unicode-range`), so every PDF the product renders (certificates, transcripts, the
sign-in sheet, the signed attendance) writes Arabic shaped and joined, also on a machine without
any Arabic system font.
"""
from __future__ import annotations

from pathlib import Path

SHARED_FONTS = Path(__file__).resolve().parents[1] / "static" / "fonts"
ARABIC_FACES = {400: "NotoNaskhArabic-Regular.ttf", 700: "NotoNaskhArabic-Bold.ttf"}
ARABIC_FAMILY = "Noto Naskh Arabic"
#: Arabic, Arabic Supplement, Arabic Extended-A and the presentation forms
ARABIC_RANGES = "U+0600-06FF, U+0750-077F, U+0870-08FF, U+FB50-FDFF, U+FE70-FEFF"


def script_fonts_css() -> str:
    """@font-face rules of the shipped Noto Naskh Arabic, for the Arabic blocks."""
    return "\n".join(
        f'@font-face {{ font-family: "{ARABIC_FAMILY}"; font-weight: {weight}; '
        f'src: url("{(SHARED_FONTS / file).as_uri()}"); unicode-range: {ARABIC_RANGES}; }}'
        for weight, file in ARABIC_FACES.items()
    )


def is_shipped_font(path: Path) -> bool:
    """Whether a resolved file path is one of the shipped font files (what a PDF may fetch)."""
    return path.parent == SHARED_FONTS.resolve() and path.suffix == ".ttf"
