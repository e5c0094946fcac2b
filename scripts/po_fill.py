"""Fill a gettext catalogue in batches, and check it.

Meant for a translator who works through a whole catalogue (it was written for the Arabic one):

    python scripts/po_fill.py dump   LOCALE START COUNT   # print msgids START..START+COUNT-1
    python scripts/po_fill.py dump-todo LOCALE COUNT      # the first COUNT untranslated msgids
    python scripts/po_fill.py merge  LOCALE FILE          # write the translations of FILE in
    python scripts/po_fill.py check  LOCALE               # missing, placeholders, still English
    python scripts/po_fill.py todo   LOCALE               # how many are still untranslated

``dump`` numbers the catalogue's messages (header left out, in the .po's order) and prints each as
``N<TAB>msgid`` (with ``|| plural`` for a plural entry); newlines are written ``\\n``. ``FILE``
for ``merge`` is either

* a text file of lines ``N<TAB>translation`` or ``N translation`` (one separator) (``\\n`` for a newline; a plural entry's forms
  separated by `` ||| ``), or
* a JSON file ``{msgid: msgstr}`` or ``{msgid: [form, ...]}`` (the form other helpers leave in
  ``/work/helpers/<locale>/*.json``).

``merge`` refuses a translation whose placeholders (``%(name)s``, ``%s``, ``{name}``, HTML tags)
differ from the msgid's, and one with the wrong number of plural forms. It rewrites the .po with
Babel's writer (same width as ``pybabel update``), so run it on a file that Babel wrote.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1] / "lms" / "translations"
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sdif]|%[sd]|\{[a-z_0-9.]*\}|</?[a-zA-Z][^>]*>", re.I)


def _path(locale: str) -> Path:
    return ROOT / locale / "LC_MESSAGES" / "messages.po"


def _load(locale: str):
    with open(_path(locale), "rb") as handle:
        return read_po(handle, locale=locale)


def _save(locale: str, catalog) -> None:
    with open(_path(locale), "wb") as handle:
        write_po(handle, catalog, width=76, include_previous=False)


def _messages(catalog):
    return [m for m in catalog if m.id]


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _unesc(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def _problem(message, value, nplurals: int) -> str | None:
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    if isinstance(message.id, tuple):
        if not isinstance(value, list) or len(value) != nplurals:
            return f"needs {nplurals} plural forms"
        wanted = set(placeholders(ids[0])) | set(placeholders(ids[1]))
        for form in value:
            got = set(placeholders(form))
            # a form may leave the number out (e.g. "one day"), never add a new placeholder
            if not form.strip():
                return "empty plural form"
            if not got <= wanted:
                return f"placeholders {sorted(got)} != {sorted(wanted)}"
        return None
    if not isinstance(value, str) or not value.strip():
        return "empty"
    if placeholders(value) != placeholders(ids[0]):
        return f"placeholders {placeholders(value)} != {placeholders(ids[0])}"
    return None


def _untranslated(message) -> bool:
    return not (message.string if isinstance(message.string, str) else all(message.string))


def dump(locale: str, start: int, count: int, only_todo: bool = False) -> None:
    messages = _messages(_load(locale))
    numbers = [n for n, m in enumerate(messages) if n >= start and (not only_todo or _untranslated(m))]
    for number in numbers[:count]:
        message = messages[number]
        if isinstance(message.id, tuple):
            print(f"{number}\t{_esc(message.id[0])} || {_esc(message.id[1])}")
        else:
            print(f"{number}\t{_esc(message.id)}")


def _read_translations(path: Path, messages) -> list:
    if path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        by_id = {m.id[0] if isinstance(m.id, tuple) else m.id: m for m in messages}
        return [(by_id[key], value) for key, value in data.items() if key in by_id]
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        number, text = re.match(r"^(\d+)[\t ](.*)$", line).groups()
        message = messages[int(number)]
        if isinstance(message.id, tuple):
            found.append((message, [_unesc(form.strip()) for form in text.split("|||")]))
        else:
            found.append((message, _unesc(text)))
    return found


def merge(locale: str, path: str) -> int:
    catalog = _load(locale)
    messages = _messages(catalog)
    failures = 0
    written = 0
    for message, value in _read_translations(Path(path), messages):
        problem = _problem(message, value, catalog.num_plurals)
        if problem:
            failures += 1
            print(f"REFUSED {message.id!r}: {problem}", file=sys.stderr)
            continue
        message.string = tuple(value) if isinstance(value, list) else value
        message.flags.discard("fuzzy")
        written += 1
    _save(locale, catalog)
    print(f"merged {written}, refused {failures}")
    return 1 if failures else 0


def _looks_english(message) -> bool:
    text = message.string if isinstance(message.string, str) else " ".join(message.string)
    bare = PLACEHOLDER.sub("", text)
    if not re.search(r"[a-z]", bare):  # an acronym or a technical term such as RRULE stays as it is
        return False
    return bool(re.search(r"[A-Za-z]{3,}", bare)) and not re.search(r"[\u0600-\u06ff]", bare)


def check(locale: str) -> int:
    catalog = _load(locale)
    messages = _messages(catalog)
    bad = 0
    for number, message in enumerate(messages):
        value = list(message.string) if isinstance(message.string, tuple) else message.string
        problem = _problem(message, value, catalog.num_plurals) if value and (isinstance(value, str) or all(value)) else "missing"
        if not problem and locale == "ar" and _looks_english(message):
            problem = "no Arabic in the translation"
        if problem:
            bad += 1
            print(f"{number}\t{problem}\t{_esc(str(message.id))[:90]}")
    print(f"{len(messages)} messages, {bad} with a problem")
    return 1 if bad else 0


def todo(locale: str) -> None:
    messages = _messages(_load(locale))
    left = [n for n, m in enumerate(messages) if _untranslated(m)]
    print(f"{len(left)} of {len(messages)} untranslated; first: {left[:1]}")


def main(argv: list[str]) -> int:
    command, locale, *rest = argv
    if command == "dump":
        dump(locale, int(rest[0]), int(rest[1]))
    elif command == "dump-todo":
        dump(locale, 0, int(rest[0]), only_todo=True)
    elif command == "merge":
        return merge(locale, rest[0])
    elif command == "check":
        return check(locale)
    elif command == "todo":
        todo(locale)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
