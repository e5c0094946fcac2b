"""A course's folder as one zip: downloaded by coordinators, and kept with each content version."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path


def folder_package(folder: Path, slug: str) -> bytes:
    """Every file of a course's folder as a zip, under `<slug>/`: what a coordinator downloads, and
    what each content version keeps so that it can be compared and restored."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"{slug}/{path.relative_to(folder).as_posix()}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()
