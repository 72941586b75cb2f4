"""Review mode: cards cut from the notes, grading, FSRS scheduling in review.sqlite, the session and its commands."""
