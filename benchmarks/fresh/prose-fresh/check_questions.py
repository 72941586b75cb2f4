#!/usr/bin/env python3
"""Check questions.jsonl against notes/.

Hard checks (count as "bad"):
  - valid JSON, unique ids, required keys;
  - answerable: file exists in notes/, line in range, exactly one phrase, the phrase is an exact
    substring of the stated 1-based line (file decoded as UTF-8, lines split on \\n only -- neither
    file has CR), 3-8 whitespace-separated words;
  - question not copied from the text: no 6-word run of the (normalised) question occurs in the
    (normalised) file, and the normalised phrase is not inside the normalised question;
  - out of scope: answer_contains == [], and none of its key terms occurs in any notes file
    (case-insensitive, like grep -i).
Info only: other lines holding the same normalised phrase, spread of the question lines.

normalise(s) = lowercase, every run of characters other than ASCII a-z/0-9 -> one space, stripped.
(ASCII on purpose: the mojibake 'â\\x80\\x93' and 'Â£' become spaces on both sides.)
"""
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOTES = HERE / "notes"

# key terms per out-of-scope question; each must be absent from every notes file
OOS_TERMS = {
    "v-pr-x01": ["austerlitz"],
    "v-pr-x02": ["borodino"],
    "v-pr-x03": ["karataev", "platon"],
    "v-pr-x04": ["welsh cup", "cup final"],
    "v-pr-x05": ["gave birth", "childbirth", "delivered of"],
    "v-pr-x06": ["pierre's mother", "his mother was", "mother of pierre"],
    "v-pr-x07": ["norwich debut", "debut match", "first match for norwich"],
    "v-pr-x08": ["daughters named", "son named", "children named"],
    "v-pr-x09": ["wages", "salary", "per week"],
    "v-pr-x10": ["warm-up", "warm up", "warming up"],
    "v-pr-x11": ["casualt", "death toll", "were killed"],
    "v-pr-x12": [" rations", "biscuit", "kasha", "porridge", "bread"],
}


def is_oos(qid):
    return "-x" in str(qid)


def normalise(s):
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


def main():
    texts = {p.name: p.read_bytes().decode("utf-8") for p in sorted(NOTES.iterdir()) if p.is_file()}
    lines = {k: v.split("\n") for k, v in texts.items()}
    if any(l and l[-1] == "" for l in lines.values()):
        lines = {k: (v[:-1] if v and v[-1] == "" else v) for k, v in lines.items()}
    norm_lines = {k: [normalise(x) for x in v] for k, v in lines.items()}
    norm_file = {k: " " + " ".join(x for x in v if x) + " " for k, v in norm_lines.items()}

    bad = []
    seen = set()
    rows = []
    for i, raw in enumerate((HERE / "questions.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            q = json.loads(raw)
        except json.JSONDecodeError as e:
            bad.append(f"row {i}: bad JSON ({e})")
            continue
        rows.append(q)
        qid = q.get("id")
        if not qid or qid in seen:
            bad.append(f"row {i}: missing or duplicate id {qid!r}")
        seen.add(qid)
        if not q.get("question"):
            bad.append(f"{qid}: empty question")
        ac = q.get("answer_contains")
        if not isinstance(ac, list):
            bad.append(f"{qid}: answer_contains is not a list")
            continue
        nq = normalise(q.get("question", ""))
        if is_oos(qid):
            if ac:
                bad.append(f"{qid}: out-of-scope question has answer_contains {ac}")
            for term in OOS_TERMS.get(qid, []):
                for fname, t in texts.items():
                    if term.lower() in t.lower():
                        bad.append(f"{qid}: key term {term!r} occurs in {fname}")
            if qid not in OOS_TERMS:
                bad.append(f"{qid}: no key terms listed to check")
            continue
        f, n = q.get("file"), q.get("line")
        if f not in lines:
            bad.append(f"{qid}: file {f!r} not in notes/")
            continue
        if not isinstance(n, int) or not 1 <= n <= len(lines[f]):
            bad.append(f"{qid}: line {n!r} out of range for {f} ({len(lines[f])} lines)")
            continue
        if len(ac) != 1:
            bad.append(f"{qid}: expected exactly one phrase, got {len(ac)}")
            continue
        ph = ac[0]
        if ph not in lines[f][n - 1]:
            bad.append(f"{qid}: phrase {ph!r} not on {f}:{n}: {lines[f][n - 1]!r}")
        nw = len(ph.split())
        if not 3 <= nw <= 8:
            bad.append(f"{qid}: phrase has {nw} words (want 3-8): {ph!r}")
        nph = normalise(ph)
        if nph and nph in nq:
            bad.append(f"{qid}: question contains the answer phrase")
        words = nq.split()
        for k in range(len(words) - 5):
            gram = " " + " ".join(words[k:k + 6]) + " "
            if gram in norm_file[f]:
                bad.append(f"{qid}: question copies a 6-word run from {f}: {gram.strip()!r}")
                break
        others = [j + 1 for j, nl in enumerate(norm_lines[f]) if nph in nl and j + 1 != n]
        q["_others"] = others
        q["_nwords"] = nw

    # report
    answerable = [q for q in rows if not is_oos(q.get("id", ""))]
    oos = [q for q in rows if is_oos(q.get("id", ""))]
    print(f"{len(rows)} questions: {len(answerable)} answerable, {len(oos)} out of scope")
    for f in sorted(lines):
        qs = sorted(q["line"] for q in answerable if q.get("file") == f and isinstance(q.get("line"), int))
        if not qs:
            continue
        gaps = [b - a for a, b in zip(qs, qs[1:])]
        print(f"  {f}: {len(qs)} questions, lines {qs[0]}..{qs[-1]} of {len(lines[f])}, "
              f"gap min/max {min(gaps) if gaps else '-'}/{max(gaps) if gaps else '-'}")
        if len(lines[f]) >= 1000:
            step = 1000
            buckets = [sum(1 for x in qs if b < x <= b + step) for b in range(0, len(lines[f]), step)]
            print(f"    per 1000 lines: {buckets}")
    dup = [(q["id"], q["_others"]) for q in answerable if q.get("_others")]
    if dup:
        print("  info: normalised phrase also on other lines (any of them counts as a hit):")
        for qid, o in dup:
            print(f"    {qid}: {o[:8]}{' ...' if len(o) > 8 else ''}")
    for b in bad:
        print("BAD", b)
    print(f"{len(bad)} bad")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
