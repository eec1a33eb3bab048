"""Commission review: screening, assignment, conflicts of interest, scoring, ranking, decisions."""
