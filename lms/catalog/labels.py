"""Names of the UN sustainable development goals and of course languages, translatable."""
from flask_babel import lazy_gettext as _l

SDG_NAMES = {
    1: _l("No poverty"),
    2: _l("Zero hunger"),
    3: _l("Good health and well-being"),
    4: _l("Quality education"),
    5: _l("Gender equality"),
    6: _l("Clean water and sanitation"),
    7: _l("Affordable and clean energy"),
    8: _l("Decent work and economic growth"),
    9: _l("Industry, innovation and infrastructure"),
    10: _l("Reduced inequalities"),
    11: _l("Sustainable cities and communities"),
    12: _l("Responsible consumption and production"),
    13: _l("Climate action"),
    14: _l("Life below water"),
    15: _l("Life on land"),
    16: _l("Peace, justice and strong institutions"),
    17: _l("Partnerships for the goals"),
}

LANGUAGE_NAMES = {"sv": _l("Swedish"), "en": _l("English")}


def sdg_name(goal: int) -> str:
    return str(SDG_NAMES.get(goal, goal))


def language_name(code: str) -> str:
    return str(LANGUAGE_NAMES.get(code, code))
