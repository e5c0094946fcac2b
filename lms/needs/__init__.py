"""The competence-needs inventory, interest in courses, and demand against supply."""
