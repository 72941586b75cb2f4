"""What an ingest embeds for each passage and its sentences, and the key each vector is known by.

A passage is embedded as its search text. A sentence of a note (a line, a bullet) stands alone and is embedded alone,
with its heading for context. A sentence of running prose (hard-wrapped paragraphs: a novel, a textbook PDF) leans on
the sentences before it (the names, the "he"), so it takes its vector from its passage's own run through the model: the
passage's token states averaged over the sentence's tokens (late chunking). That costs nothing beyond the passage's
run, which halves what a book costs to embed, and it answers prose better (README "Ingest speed"); on notes written
as bullets it answered worse, so notes keep their own runs. An encoder that cannot give token states, or a sentence
it cannot find among the passage's tokens (past the model's length), embeds the sentence alone.

A vector is known by a key of what made it (the text; for a pooled sentence, its passage's text, its place and itself), so
an unchanged text is never embedded again and a changed passage brings new vectors for its sentences.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from ingest import Chunk, cut_between, sentence_context, split_sentences

VERSION = "2"  # change it with the rules below: the next ingest makes the sentence vectors they change, reusing the rest


def key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def pooled(chunk: Chunk) -> bool:
    """Whether this passage's sentences take their vectors from the passage's run (see the module's docstring)."""
    return chunk.kind == "prose"


def _whole(chunks: list[Chunk], split: list[list[tuple[str, int, int]]]) -> dict[tuple[int, int], str]:
    """(passage, sentence) -> the whole sentence, for the two pieces of a sentence a passage boundary cut: each is
    embedded as the whole, so the half that holds the answer is found by the words of the other half."""
    out: dict[tuple[int, int], str] = {}
    for i in range(1, len(chunks)):
        start_at, rest_at = (i - 1, len(split[i - 1]) - 1), (i, 0)
        if split[i - 1] and split[i] and start_at not in out and cut_between(chunks[i - 1], chunks[i], split[i - 1][-1], split[i][0]):
            # (a passage cut at both ends, a piece of a long line, keeps the first pair: as the search shows it)
            out[start_at] = out[rest_at] = f"{split[i - 1][-1][0].rstrip()} {split[i][0][0].lstrip()}"
    return out


def cut_after(a: Chunk, b: Chunk) -> bool:
    """Whether the boundary between passages ``a`` and ``b`` (next in a file) cuts a sentence."""
    first, second = split_sentences(a), split_sentences(b)
    return bool(first and second) and cut_between(a, b, first[-1], second[0])


def sentence_rows(chunks: list[Chunk]) -> tuple[np.ndarray, list[str], list[str], list[str]]:
    """For every sentence row of the index: offsets (passage i owns rows offsets[i]..offsets[i+1]), the text embedded
    when a sentence is embedded alone, the sentence itself, and its vector's key."""
    offsets, alone, said, keys = [0], [], [], []
    split = [split_sentences(chunk) for chunk in chunks]
    whole = _whole(chunks, split)
    for i, chunk in enumerate(chunks):
        for n, (text, _, _) in enumerate(split[i]):
            alone.append(sentence_context(chunk, whole.get((i, n), text)))
            said.append(text)
            # a pooled sentence's place in its passage is in its key: a line said twice has two vectors
            keys.append(key(f"{chunk.search_text}\x00{n}\x00{text}") if pooled(chunk) else key(alone[-1]))
        offsets.append(len(keys))
    return np.array(offsets, dtype="int64"), alone, said, keys


@dataclass
class Plan:
    """Every vector an index of these passages needs, in order: each passage followed by its sentences (so the
    first passages are complete first)."""
    texts: list[str]  # what is embedded for each vector when it is embedded alone
    keys: list[str]
    chunk_keys: list[list[str]]  # each passage's keys: its own, then its sentences'
    within: dict[int, list[tuple[int, str]]] = field(default_factory=dict)  # passage position -> (position, sentence)


def owners(within: dict[int, list[tuple[int, str]]]) -> dict[int, int]:
    """The passage position each pooled sentence's vector comes from."""
    return {j: p for p, rows in within.items() for j, _ in rows}


def plan(chunks: list[Chunk]) -> Plan:
    offsets, alone, said, sentence_keys = sentence_rows(chunks)
    out = Plan([], [], [])
    for i, chunk in enumerate(chunks):
        at = len(out.texts)
        rows = range(offsets[i], offsets[i + 1])
        out.texts += [chunk.search_text, *(alone[r] for r in rows)]
        out.keys += [key(chunk.search_text), *(sentence_keys[r] for r in rows)]
        out.chunk_keys.append(out.keys[at:])
        if pooled(chunk) and len(rows):
            out.within[at] = [(at + 1 + n, said[r]) for n, r in enumerate(rows)]
    return out


def run(embedder, texts: list[str], positions: list[int], within: dict[int, list[tuple[int, str]]]) -> list[tuple[int, np.ndarray]]:
    """Embed the texts at ``positions``: (position, vector) for each vector made, a pooled passage's sentences with
    it (``embedder.embed_within``, when it has one; else each sentence alone)."""
    alone = [i for i in positions if i not in within]
    runs = [i for i in positions if i in within]
    out: list[tuple[int, np.ndarray]] = []
    by_states = getattr(embedder, "embed_within", None)
    if runs and by_states is None:
        alone += [j for p in runs for j in (p, *(j for j, _ in within[p]))]
    elif runs:
        for p, vectors in zip(runs, by_states([(texts[p], [s for _, s in within[p]]) for p in runs])):
            out.append((p, vectors[0]))
            for (j, _), vector in zip(within[p], vectors[1:]):
                if vector is None:  # not among the passage's tokens (past the model's length): embedded alone
                    alone.append(j)
                else:
                    out.append((j, vector))
    if alone:
        alone.sort(key=lambda i: -len(texts[i]))  # similar lengths together: less padding for a batching model
        out.extend(zip(alone, embedder.embed([texts[i] for i in alone])))
    return out


def made_by(positions: list[int], within: dict[int, list[tuple[int, str]]]) -> int:
    """How many vectors embedding ``positions`` makes."""
    return sum(1 + len(within.get(i, ())) for i in positions)


def batches(positions: list[int], within: dict[int, list[tuple[int, str]]], size: int) -> list[list[int]]:
    """``positions`` in order, cut into batches that make about ``size`` vectors each."""
    out: list[list[int]] = [[]]
    made = 0
    for i in positions:
        if made >= size:
            out.append([])
            made = 0
        out[-1].append(i)
        made += 1 + len(within.get(i, ()))
    return [b for b in out if b]
