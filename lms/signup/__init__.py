"""Signing up from the public home page: open self-registration or account requests that staff approve."""
