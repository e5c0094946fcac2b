"""Attendance at the center: roll call, self check-in with rotating codes, attendance rules."""
