"""Certificate rendering: the first render in a process, warm renders, a cached download, memory.

    python -m bench.certificates [--renders 1000]

Renders the shipped `standard` design from plain values (no database), then measures peak RSS
every 100 renders: with one shared FontConfiguration it stays flat.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

from lms.certificates.codes import display, new_code
from lms.certificates.rendering import Design, render_pdf

ROOT = Path(__file__).resolve().parent.parent


def values(code: str) -> dict:
    return {
        "c": {"language": "sv", "learner_name": "Zeynep Yılmaz Åström",
              "course_title": "Styrelsearbete i ideella föreningar", "cycle_title": "Våren 2027",
              "period": "2 mars 2027 – 20 april 2027",
              "modules": ["Den ideella föreningen", "Styrelsens roller", "Stadgar", "Årsmötet",
                          "Styrelsemöten och protokoll", "Ansvar och ansvarsfrihet"],
              "competence_areas": ["Föreningsstyrning", "Juridik och dataskydd"],
              "sdgs": [{"number": 16, "name": "Fredliga och inkluderande samhällen"},
                       {"number": 17, "name": "Genomförande och globalt partnerskap"}],
              "trainers": ["Tove Utbildare"], "issuer": "Kompetenscentret", "issued_on": "20 april 2027",
              "content_version": "0123456789abcdef"},
        "t": {"title": "Kursintyg", "has_completed": "har genomfört kursen", "modules": "Moduler",
              "competence_areas": "Kompetensområden", "goals": "Globala mål", "trainers": "Utbildare",
              "verify_at": "Kontrollera intyget på", "content_version": "Innehållsversion",
              "hours": "12 timmar på centret"},
        "code": display(code), "verify_url": f"https://kompetenscentret.example/verify/{code}",
    }


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--renders", type=int, default=1000)
    args = parser.parse_args()
    design = Design.load(ROOT / "certificates", "standard")

    started = time.perf_counter()
    pdf = render_pdf(design, values(new_code()))
    first = time.perf_counter() - started

    timings, rss = [], []
    for index in range(args.renders):
        started = time.perf_counter()
        render_pdf(design, values(new_code()))
        timings.append(time.perf_counter() - started)
        if index % 100 == 99:
            rss.append(rss_mib())

    cached = Path(tempfile.mkdtemp()) / "cached.pdf"
    cached.write_bytes(pdf)
    reads = []
    for _ in range(200):
        started = time.perf_counter()
        cached.read_bytes()
        reads.append(time.perf_counter() - started)

    print(f"first render in the process: {first * 1000:.0f} ms")
    print(f"warm renders ({args.renders}): median {statistics.median(timings) * 1000:.0f} ms, "
          f"p95 {statistics.quantiles(timings, n=20)[18] * 1000:.0f} ms")
    print(f"cached PDF read: median {statistics.median(reads) * 1e6:.0f} µs ({len(pdf) / 1024:.0f} KiB)")
    print("peak RSS every 100 renders (MiB): " + ", ".join(f"{value:.0f}" for value in rss))


if __name__ == "__main__":
    main()
