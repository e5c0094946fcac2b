"""Administration: user accounts, roles and organisations (rooms arrive with planning)."""
