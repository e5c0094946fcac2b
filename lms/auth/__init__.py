"""Accounts: log-in and log-out, invitations, password reset, roles and permission checks."""
