"""An append-only record of decisions that matter: roles, enrolments, attendance, certificates."""
