"""Courses and modules as learners see them, loaded from the files in courses_content/."""
