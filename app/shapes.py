"""Shapes of a sentence that says nothing of its own, which answers and cards both pass over."""
from __future__ import annotations

import re

# A sentence that announces what follows and says nothing itself: "They differ in a few important ways.", "... as
# follows:" (not the answer to a question, nor the consequence of a rule).
ANNOUNCES = re.compile(r"\b(?:in (?:a few|several|many|some|two|three|four|a number of|different) (?:\w+ )?ways|as follows|"
                        r"the following)\W*$", re.I)
