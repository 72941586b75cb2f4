"""Verify questions.jsonl against notes/.

For every answerable question: the file exists, the phrase is an exact substring of the stated
1-based line, and it has 3-8 whitespace-separated words. Also reports (informational) any other
line in any note whose normalised text contains the normalised phrase, the per-file spread, and
for out-of-scope questions a grep of their key terms. Exits non-zero if anything is bad."""
import json, os, re, sys

D = os.path.dirname(os.path.abspath(__file__))
NOTES = os.path.join(D, "notes")


def norm(s):
    return " ".join(re.sub(r"[^0-9a-z]+", " ", s.lower()).split())


files = {f: open(os.path.join(NOTES, f), encoding="utf-8").read().splitlines()
         for f in sorted(os.listdir(NOTES))}
qs = [json.loads(l) for l in open(os.path.join(D, "questions.jsonl"), encoding="utf-8") if l.strip()]

OOS_TERMS = {  # key terms of each out-of-scope question, grepped case-insensitively
    'v-ml-x01': ['convolution', 'CNN'],
    'v-ml-x02': ['embedding', 'word2vec'],
    'v-ml-x03': ['GAN', 'generative', 'adversarial', 'discriminator'],
    'v-ml-x04': ['stemming', 'stem', 'lemmat'],
    'v-ml-x05': ['ridge', 'lasso', 'regulariz'],
    'v-ml-x06': ['cross_val', 'cross-valid', 'k-fold'],
    'v-ml-x07': ['random forest', 'RandomForest', 'bagging'],
    'v-ml-x08': ['autocorrelation', 'ACF', 'PACF'],
    'v-ml-x09': ['keyboard', 'next word', 'autocomplete', 'predictive text', 'language model'],
    'v-ml-x10': ['spam', 'junk', 'email', 'e-mail'],
    'v-ml-x11': ['GPU', 'graphics card', 'CUDA', 'hardware', 'compute power'],
    'v-ml-x12': ['privacy', 'anonym', 'personal data', 'personal details', 'identif'],
}

bad = 0
ids = [q["id"] for q in qs]
if len(set(ids)) != len(ids):
    print("BAD duplicate ids"); bad += 1
per_file = {}
n_ans = n_oos = 0
for q in qs:
    if not q["answer_contains"]:
        n_oos += 1
        hits = [(f, i + 1) for t in OOS_TERMS.get(q["id"], []) for f, ls in files.items()
                for i, l in enumerate(ls) if re.search(r"\b" + re.escape(t), l, re.I)]
        if q["id"] not in OOS_TERMS:
            print(f'{q["id"]} BAD no key terms recorded'); bad += 1
        print(f'{q["id"]} OOS terms={OOS_TERMS.get(q["id"])} hits={hits} | {q["question"]}')
        continue
    n_ans += 1
    f, line, phrase = q["file"], q["line"], q["answer_contains"][0]
    problems = []
    if f not in files:
        problems.append("no such file")
    elif not 1 <= line <= len(files[f]):
        problems.append("line out of range")
    elif phrase not in files[f][line - 1]:
        problems.append("phrase not on line")
    if not 3 <= len(phrase.split()) <= 8:
        problems.append(f"{len(phrase.split())} words")
    if problems:
        bad += 1
    per_file.setdefault(f, []).append(line)
    others = [(g, i + 1) for g, ls in files.items() for i, l in enumerate(ls)
              if norm(phrase) in norm(l) and not (g == f and i + 1 == line)]
    print(f'{q["id"]} {"BAD " + ",".join(problems) if problems else "OK"} {f}:{line} '
          f'others={others} | {phrase}')
for f, ls in sorted(per_file.items()):
    print(f"{f}: {len(ls)} questions at lines {sorted(ls)} of {len(files[f])}")
missing = [f for f in files if f not in per_file]
if missing:
    print("BAD files without questions:", missing); bad += 1
if n_ans != 20 or n_oos != 12:
    print(f"BAD counts: {n_ans} answerable, {n_oos} out of scope"); bad += 1
print(f"{n_ans} answerable, {n_oos} out of scope; bad: {bad}")
sys.exit(1 if bad else 0)
