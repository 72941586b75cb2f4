"""Amounts in free text, written in digits or words, with their units: "15 mins", "a hundred ms", "5k", "40%",
"1 GB" (= 1000 or 1024 MB). Grading compares a reply's amounts with the answer's through them."""
from __future__ import annotations

import re
from dataclasses import dataclass

_SMALL = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                                     "fourteen fifteen sixteen seventeen eighteen nineteen".split())}
_SMALL |= {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
_SCALES = {"hundred": 100, "dozen": 12, "thousand": 1000, "million": 10**6, "billion": 10**9}
_FRACTIONS = {"half": 1 / 2, "halves": 1 / 2, "third": 1 / 3, "thirds": 1 / 3, "quarter": 1 / 4, "quarters": 1 / 4,
              "fifth": 1 / 5, "fifths": 1 / 5, "tenth": 1 / 10, "tenths": 1 / 10}
_TIME = {1e-3: "ms msec msecs millisecond milliseconds", 1: "s sec secs second seconds", 60: "min mins minute minutes",
         3600: "h hr hrs hour hours", 86400: "d day days", 604800: "week weeks"}
_DATA = {0: "b byte bytes", 1: "kb kib kilobyte kilobytes", 2: "mb mib megabyte megabytes",
         3: "gb gib gig gigs gigabyte gigabytes", 4: "tb tib terabyte terabytes", 5: "pb pib petabyte petabytes"}
_UNITS = {w: ("time", f) for f, ws in _TIME.items() for w in ws.split()} | {"%": ("share", 0.01), "percent": ("share", 0.01)}
_UNITS |= {w: ("data", p) for p, ws in _DATA.items() for w in ws.split()} | {"pct": ("share", 0.01), "k": ("count", 1000)}
_TOKEN = re.compile(r"(?<![a-z0-9./])(?:\d+/[1-9]\d*(?![\d/])|\d{1,3}(?:,\d{3})+|\d*\.\d+|\d+)|[a-z]+|%")


@dataclass(frozen=True)
class Amount:
    value: float
    unit: str | None  # a known unit's kind ("time", "data", "share"), else the word after the number, or None
    scale: float  # the known unit's factor to its base; for data the power of 1000 (or 1024)
    text: str

    def same(self, other: "Amount") -> bool:
        if self.unit != other.unit:
            return False
        if self.unit == "data":  # 1 GB is 1000 MB and 1024 MB alike: notes and students use both
            return any(close(self.value * b ** self.scale, other.value * b ** other.scale) for b in (1000, 1024))
        return close(self.value * self.scale, other.value * other.scale)

    @property
    def plain(self) -> float | None:
        """The amount as a plain number where that is the same thing (40% is 0.4)."""
        return self.value * self.scale if self.unit == "share" else self.value if self.unit is None else None


def close(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _fraction(toks: list[str], i: int) -> tuple[float, int] | None:
    """A fraction in words at toks[i] ("half", "a quarter", "three quarters", "two thirds") and where it ends; "of",
    "a" or "an" before a unit are passed over ("a quarter of an hour", "half a gigabyte")."""
    count, j = 1.0, i
    if toks[j] in ("a", "an", "one") or (toks[j] in _SMALL and toks[j] != "zero"):
        count, j = float(_SMALL.get(toks[j], 1)), j + 1
    if j >= len(toks) or toks[j] not in _FRACTIONS or (j == i and toks[j] not in ("half", "quarter")):
        return None
    value, j = count * _FRACTIONS[toks[j]], j + 1
    while j + 1 < len(toks) and toks[j] in ("of", "a", "an") and (toks[j + 1] in _UNITS or toks[j + 1] in ("a", "an")):
        j += 1
    return value, j


def _words_number(toks: list[str], i: int) -> tuple[float, int] | None:
    """A number in words starting at toks[i] ("twenty five", "a hundred", "two thousand and nine") and where it ends."""
    if fraction := _fraction(toks, i):
        return fraction
    after = toks[i + 1] if i + 1 < len(toks) else ""
    if not (toks[i] in _SMALL or (toks[i] in ("a", "an") and (after in _SCALES or after in _UNITS))):
        return None
    total, current, j = 0, 0, i
    while j < len(toks):
        w = toks[j]
        if w in _SMALL or (j == i and w in ("a", "an")):
            current += _SMALL.get(w, 1)
        elif w in ("hundred", "dozen"):
            current = max(current, 1) * _SCALES[w]
        elif w in _SCALES:
            total, current = total + max(current, 1) * _SCALES[w], 0
        elif w != "and":
            break
        j += 1
    return float(total + current), j


def amounts(text: str, not_units: frozenset[str] = frozenset()) -> list[Amount]:
    """The amounts in a text, digits or words, each with the unit after it ("15 mins", "a hundred ms", "5k", "40%").
    A word after a number is taken as its unit unless it is one of ``not_units`` (small words, negations)."""
    low = text.lower()
    shown = text if len(low) == len(text) else low
    found = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(low)]
    toks = [t for t, _, _ in found]
    out, i = [], 0
    while i < len(toks):
        if "/" in toks[i]:  # "1/5"
            top, bottom = toks[i].split("/")
            value, j = int(top) / int(bottom), i + 1
        elif toks[i][0].isdigit() or toks[i][0] == ".":
            value, j = float(toks[i].replace(",", "")), i + 1
            if j < len(toks) and toks[j] == "s" and found[j][1] == found[i][2] and value >= 1000:
                j += 1  # "the 1950s": a decade, not seconds
        elif words := _words_number(toks, i):
            value, j = words
        else:
            i += 1
            continue
        unit, scale = None, 1.0
        if j < len(toks) and low[found[j - 1][2]: found[j][1]].strip() in ("", "-"):
            if toks[j] == "per" and toks[j + 1: j + 2] == ["cent"]:
                unit, scale, j = "share", 0.01, j + 2
            elif toks[j] in _UNITS:
                unit, scale = _UNITS[toks[j]]
                if unit == "count":
                    value, unit, scale = value * scale, None, 1.0
                j += 1
            elif toks[j].isalpha() and toks[j] not in not_units and toks[j] != "per":
                unit, j = (toks[j][:-1] if len(toks[j]) > 2 and toks[j].endswith("s") else toks[j]), j + 1  # "cores" = "core"
        out.append(Amount(value, unit, scale, shown[found[i][1]: found[j - 1][2]]))
        i = j
    return out
