"""Certificates: completion rules, PDF rendering with WeasyPrint, public verification."""
