#!/usr/bin/env python3
"""Verify answerable items in questions.jsonl against the PDF in notes/.

For each item with a non-empty answer_contains, the phrase must occur in the
pypdf-extracted text of page `line` (1-based) after normalization:
lowercase, runs of non [a-z0-9] -> single space, stripped; whole-token match.
"""
import json, re, sys
from pathlib import Path
from pypdf import PdfReader

HERE = Path(__file__).resolve().parent

def norm(s):
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()

def main():
    items = [json.loads(l) for l in open(HERE / "questions.jsonl") if l.strip()]
    cache = {}
    npass = nfail = nskip = 0
    for it in items:
        phrases = it.get("answer_contains") or []
        if not phrases:
            nskip += 1
            print(f"SKIP {it['id']} (out-of-scope)")
            continue
        fn = it["file"]
        if fn not in cache:
            r = PdfReader(str(HERE / "notes" / fn))
            cache[fn] = [norm(p.extract_text() or "") for p in r.pages]
        pages = cache[fn]
        pg = it["line"]
        ok = 1 <= pg <= len(pages)
        bad = []
        for ph in phrases:
            n = norm(ph)
            nw = len(n.split())
            if not (ok and n and f" {n} " in f" {pages[pg-1]} "):
                bad.append(ph)
            elif not (2 <= nw <= 7):
                bad.append(ph + f" [{nw} words]")
        if bad:
            nfail += 1
            print(f"FAIL {it['id']} page {pg}: {bad}")
        else:
            npass += 1
            print(f"PASS {it['id']} page {pg}")
    # Out-of-scope sanity check: key terms must not occur anywhere in the PDF text.
    oos_terms = {"pdf-x01": ["cron", "crontab"], "pdf-x02": ["chsh", "zsh"],
                 "pdf-x03": ["arg max", "argument list too long"], "pdf-x04": ["json"],
                 "pdf-x05": ["shellcheck", "lint"], "pdf-x06": ["systemd"]}
    alltext = " " + " ".join(next(iter(cache.values()))) + " "
    for k, terms in oos_terms.items():
        hits = [t for t in terms if f" {norm(t)} " in alltext]
        print(f"{'OOS-OK ' if not hits else 'OOS-HIT'} {k} terms={terms} hits={hits}")
        if hits:
            nfail += 1
    print(f"\nSummary: {npass} passed, {nfail} failed, {nskip} out-of-scope skipped, {len(items)} total")
    sys.exit(1 if nfail else 0)

if __name__ == "__main__":
    main()
