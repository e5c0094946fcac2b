"""Course evaluations: a standard set of questions per course, anonymous answers, results."""
