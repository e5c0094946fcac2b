"""Quizzes: authored in Moodle's GIFT format, graded on the server, with attempts and statistics."""
