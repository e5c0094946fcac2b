"""A small course of our own, as files, for the journeys that upload or edit a course."""

COURSE_YAML = """slug: {slug}
title: {title}
summary: Hur föreningen lånar, lagar och delar i stället för att köpa nytt.
description: |
  En kort kurs om cirkulära vanor i föreningens vardag.
language: sv
competence_areas:
  - Hållbar utveckling
sdgs: [12]
estimated_hours: 2
certificate_design: standard
learning_outcomes:
  - Efter kursen kan du planera ett bytes- och lagakafé.
modules:
  - 01-lana-och-laga
  - 02-bytesdagen
"""
MODULE_1 = """---
title: Låna och laga
minutes: 20
required: true
---
## Tre vanor

| Vana | Exempel |
| --- | --- |
| Låna | Föreningens verktygsbibliotek |
| Laga | Lagakafé varje månad |

![Kretsloppet](kretslopp.svg)
"""
MODULE_2 = """---
title: Bytesdagen
minutes: 15
required: true
quiz: 02-bytesdagen.gift
---
## Planera en bytesdag

Bestäm datum, lokal och vad som får bytas.
"""
QUIZ = """::Bytesdag::Vad är viktigast att bestämma först?{
=Datum och lokal
~Färgen på affischen
}
"""
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><circle cx="20" cy="20" r="18" fill="green"/></svg>'


def course_files(slug: str, title: str) -> dict[str, str]:
    """The files of a two-module course with a table, a picture and a quiz."""
    return {"course.yaml": COURSE_YAML.format(slug=slug, title=title), "01-lana-och-laga.md": MODULE_1,
            "02-bytesdagen.md": MODULE_2, "02-bytesdagen.gift": QUIZ, "kretslopp.svg": SVG}
