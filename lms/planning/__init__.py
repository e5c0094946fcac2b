"""Planning: rooms of the center, cycles of a course, their recurring sessions and changes."""
