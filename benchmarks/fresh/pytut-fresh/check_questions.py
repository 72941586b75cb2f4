#!/usr/bin/env python3
"""Verify every answerable item: its normalized answer phrase must occur in the
normalized text of the given 1-based raw line of notes/<file>."""
import json, re, sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent

def norm(s):
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()

items = [json.loads(l) for l in (HERE / "questions.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
ids = [it["id"] for it in items]
assert len(ids) == len(set(ids)), "duplicate ids"
cache, per_file, fails, n_ans, n_oos = {}, Counter(), 0, 0, 0
for it in items:
    phrases = it.get("answer_contains", [])
    if not phrases:
        n_oos += 1
        continue
    n_ans += 1
    f = it["file"]
    if f not in cache:
        cache[f] = (HERE / "notes" / f).read_bytes().decode("utf-8").split("\n")
    per_file[f] += 1
    lines = cache[f]
    ln = it["line"]
    line = norm(lines[ln - 1]) if 1 <= ln <= len(lines) else ""
    for p in phrases:
        np_ = norm(p)
        if f" {np_} " in f" {line} ":
            print(f"PASS {it['id']} {f}:{ln} [{p}]")
        else:
            fails += 1
            print(f"FAIL {it['id']} {f}:{ln} [{p}] not in line")
print()
print(f"answerable: {n_ans}  out-of-scope: {n_oos}  total: {len(items)}")
print("items per file:")
for f, c in sorted(per_file.items()):
    print(f"  {f:22s} {c}")
print(f"failures: {fails}")
sys.exit(1 if fails else 0)
