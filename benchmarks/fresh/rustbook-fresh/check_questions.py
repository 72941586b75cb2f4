#!/usr/bin/env python3
"""Verify questions.jsonl against the raw HTML pages in notes/.

For each answerable item: the normalized answer phrase (lowercase, every run of
non [a-z0-9] chars -> one space) must occur inside the normalized raw line
`line` (1-based) of notes/<file>.  Extra checks: 2-7 words, line not inside a
<pre> code block and not a heading, and no markup/entity between the phrase's
words in the raw line.  Out-of-scope items: their key terms must not appear in
the <main> content of any page.
"""
import json, re, sys, os, collections
HERE = os.path.dirname(os.path.abspath(__file__))
NOTES = os.path.join(HERE, 'notes')

def norm(s):
    return ' '.join(re.sub(r'[^a-z0-9]+', ' ', s.lower()).split())

def code_lines(lines):
    """1-based line numbers inside <pre>..</pre> or heading lines."""
    bad, inpre = set(), False
    for i, l in enumerate(lines, 1):
        if '<pre' in l: inpre = True
        if inpre or re.match(r'\s*<h[1-6]', l): bad.add(i)
        if '</pre>' in l: inpre = False
    return bad

OOS_TERMS = {  # v-rb-x01..x12: terms that would signal an answer
    'x01 hashmap': [r'hashmap', r'\bhash'],
    'x02 unsafe': [r'\bunsafe\b', r'raw pointer', r'\*const\b'],
    'x03 shadowing': [r'shadow'],
    'x04 array/vec': [r'\bvec\b', r'\bVec<', r'vector', r'\barrays?\b'],
    'x05 closure capture': [r'captur', r'\bFn(Mut|Once)?\b'],
    'x06 dyn dispatch': [r'dynamic dispatch', r'static dispatch', r'vtable', r'monomorph'],
    'x07 tests': [r'#\[test\]', r'cargo test', r'unit test', r'#\[cfg\(test'],
    'x08 if let syntax': [r'if let [A-Za-z]+\(', r'if let Some', r'if let .{0,40}=.{0,40}else'],
    'x09 concurrency': [r'thread::spawn', r'concurren', r'parallel'],
    'x10 sleep': [r'sleep', r'\bDuration\b', r'\bpause'],
    'x11 dependencies': [r'dependenc', r'Cargo\.toml', r'crates\.io', r'publish'],
    'x12 random': [r'\brand\b', r'rand::', r'random number'],
}

def main_content(text):
    a, b = text.find('<main>'), text.find('</main>')
    return text[a:b]

items = [json.loads(l) for l in open(os.path.join(HERE, 'questions.jsonl'), encoding='utf-8') if l.strip()]
fails, counts, ids = [], collections.Counter(), set()
cache = {}
for it in items:
    iid = it['id']
    if iid in ids: fails.append(f'{iid}: duplicate id')
    ids.add(iid)
    if it.get('out_of_scope'):
        counts['<out-of-scope>'] += 1
        continue
    f = it['file']
    if f not in cache:
        cache[f] = open(os.path.join(NOTES, f), encoding='utf-8').read().split('\n')
    lines = cache[f]
    n = it['line']
    if not (1 <= n <= len(lines)):
        fails.append(f'{iid}: line {n} out of range'); continue
    raw = lines[n - 1]
    bad = code_lines(lines)
    for ph in it['answer_contains']:
        w = len(ph.split())
        if not 2 <= w <= 7: fails.append(f'{iid}: phrase {ph!r} has {w} words')
        if norm(ph) not in norm(raw):
            fails.append(f'{iid}: {ph!r} not in normalized line {n} of {f}')
        toks = norm(ph).split()
        pat = r'(?<![a-z0-9])' + r'[^a-z0-9<>&]+'.join(map(re.escape, toks)) + r'(?![a-z0-9])'
        if not re.search(pat, raw.lower()):
            fails.append(f'{iid}: {ph!r} has markup/entity inside or is not contiguous in raw line {n}')
        if n in bad: fails.append(f'{iid}: line {n} is code or heading')
    counts[f] += 1

# out-of-scope: terms absent from the visible main content of all pages
pages = {f: main_content(open(os.path.join(NOTES, f), encoding='utf-8').read()) for f in sorted(os.listdir(NOTES))}
for topic, pats in OOS_TERMS.items():
    for f, txt in pages.items():
        for p in pats:
            m = re.search(p, txt, re.I if p.islower() else 0)
            if m: fails.append(f'out-of-scope topic {topic!r}: {p!r} found in {f}: ...{txt[max(0,m.start()-60):m.end()+60]!r}')

print('per-file counts:')
for k, v in sorted(counts.items()): print(f'  {v:3d}  {k}')
ans = sum(v for k, v in counts.items() if k != '<out-of-scope>')
print(f'answerable={ans} out_of_scope={counts["<out-of-scope>"]} total={len(items)}')
if fails:
    print(f'FAIL ({len(fails)}):'); [print('  ' + x) for x in fails]; sys.exit(1)
print('ALL CHECKS PASSED')
