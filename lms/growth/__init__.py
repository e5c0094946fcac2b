"""Competence growth: learners' self-assessments before, after and six months after a cycle, and what they show."""
