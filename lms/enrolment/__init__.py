"""Enrolment in cycles: seats, the wait-list, approval and bulk enrolment."""
