"""A torch-free query encoder: the same weights exported to ONNX, run with onnxruntime and tokenizers.

Importing sentence-transformers costs about 11 s here (torch, scikit-learn,
transformers); a question from a cold terminal should not. At the first ingest
the transformer is exported to ONNX into the data folder: a BERT encoder (the
default model) written from its weights file (index.bert_graph, about 5 s with
quantising, no torch), any other model traced from the loaded model; queries then
tokenize with ``tokenizers``, run onnxruntime, and mean-pool and normalise exactly
as the sentence-transformers pipeline does. Only models whose pipeline is
Transformer -> mean Pooling (-> Normalize) are exported; any other model keeps
the sentence-transformers path.

The export's weights are int8 (dynamic quantisation, per channel), and every
text is run alone: 2.2x the texts per second of the float graph at ingest,
vectors at cosine 0.993 to the model's on average, the same for a text however
it is batched, and hit@1 unchanged on every corpus of benchmarks/corpora.py
because questions go through the same graph (README "Ingest speed").
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .integrity import checksum, fingerprint, free_bytes

FORMAT = 5  # 2: meta.json records the size and checksum of each file; 3: int8 weights, one text per run;
# 4: no NaN guard after the attention softmax (the same vectors, bit for bit, in about 0.9 of the time);
# 5: no attention mask either (onnx_graph: the same vectors again)
_FILES = ("model.onnx", "tokenizer.json")
ENCODER = "onnx int8"  # recorded with an index's vectors: vectors from another encoder are embedded again
RETRY_AFTER = 24 * 3600  # seconds before a failed export is tried again (sooner once a full disk has room)


def folder_for(home: Path, model_name: str) -> Path:
    """Where the export of ``model_name`` lives in the data folder."""
    return home / "models" / hashlib.sha1(model_name.encode()).hexdigest()[:12]


def _supported(model_dir: Path) -> bool:
    try:
        modules = json.loads((model_dir / "modules.json").read_text())
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
            return False
        pooling = json.loads((model_dir / modules[1]["path"] / "config.json").read_text())
        return bool(pooling.get("pooling_mode_mean_tokens")) and not any(
            v for k, v in pooling.items() if k.startswith("pooling_mode") and k != "pooling_mode_mean_tokens" and v is True)
    except (OSError, ValueError, KeyError, IndexError):
        return False


def exportable(model_dir: Path) -> bool:
    """Whether the model in ``model_dir`` can be exported (read from its files: nothing is loaded)."""
    return model_dir.is_dir() and _supported(model_dir) and (model_dir / "tokenizer.json").exists()


def without_model(model_dir: Path) -> bool:
    """Whether the export of the model in ``model_dir`` is written from its files alone, the model not loaded."""
    from . import bert_graph

    return exportable(model_dir) and bert_graph.supported(model_dir)


def export(home: Path, model_name: str, st_model, model_dir: Path) -> Path | None:
    """Export a SentenceTransformer's transformer to ONNX (once per model); None if not exportable.

    ``model_dir``: the model's own folder (modules.json, tokenizer.json), which says whether it can be exported.
    ``st_model``: the loaded model, or None for one written from its files alone (without_model).

    Never raises: a failed export (full disk, read-only folder, an exporter error) removes what it wrote and leaves
    a marker, so the next cold question does not spend seconds on it again (see _retry_blocked).
    """
    folder = folder_for(home, model_name)
    if _verified(folder, model_name):
        return folder
    if not exportable(model_dir) or (st_model is None and not without_model(model_dir)):
        return None
    needed = 2 * _largest_file(model_dir)  # the ONNX graph holds the weights once; twice that leaves room to spare
    if _retry_blocked(folder, home, needed):
        return None
    with _one_export(folder):  # a question and an ingest may both find the export missing after an upgrade
        if _verified(folder, model_name):  # made while this one waited
            return folder
        tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}-{threading.get_ident()}")
        try:
            tmp.mkdir(parents=True)
            write_export(tmp, model_name, model_dir, st_model)
            shutil.rmtree(folder, ignore_errors=True)
            os.replace(tmp, folder)
        except Exception as e:  # no exporter, an odd architecture, no room: queries keep the sentence-transformers path
            shutil.rmtree(tmp, ignore_errors=True)
            _record_failure(folder, home, e, needed)
            return None
    _marker(folder).unlink(missing_ok=True)
    return folder


_EXPORTING = threading.Lock()  # the torch exporter is not safe to run from two threads at once


@contextmanager
def _one_export(folder: Path):
    """One export at a time: across threads, and across processes by a lock file beside the export (when the data
    folder takes one); what a killed export left is removed once the lock is held."""
    with _EXPORTING:
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            fh = open(folder.with_name(folder.name + ".lock"), "w")
        except OSError:  # a read-only data folder: the export fails on its own, with its marker
            yield
            return
        with fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            for left in folder.parent.glob(folder.name + ".tmp*"):
                shutil.rmtree(left, ignore_errors=True)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def write_export(tmp: Path, model_name: str, model_dir: Path, st_model) -> None:
    """Write the transformer's int8 graph to ``tmp``/model.onnx, beside its tokenizer and a meta.json of both files:
    a BERT encoder straight from its weights (index.bert_graph: no torch), any other model traced from ``st_model``
    (the loaded SentenceTransformer; None when it was not loaded, and then only a BERT encoder can be written)."""
    from . import bert_graph

    names = None
    if bert_graph.supported(model_dir):
        try:
            names = bert_graph.write(model_dir, tmp / "float.onnx")
            max_length, dim = _max_length(model_dir), int(json.loads((model_dir / "config.json").read_text())["hidden_size"])
        except Exception:
            if st_model is None:
                raise
            # (a loaded model is traced instead: what it exported before the weights file could be read)
    if names is None:
        if st_model is None:
            raise ValueError("only a BERT encoder is exported without loading its model")
        names = _traced(tmp / "float.onnx", st_model)
        max_length, dim = int(st_model.max_seq_length), int(st_model[0].auto_model.config.hidden_size)
    _quantise(tmp / "float.onnx", tmp / "model.onnx")
    (tmp / "float.onnx").unlink()
    shutil.copy(model_dir / "tokenizer.json", tmp / "tokenizer.json")
    meta = {"format": FORMAT, "model": model_name, "weights": "int8, dynamic, per channel", "inputs": names,
            "max_seq_length": max_length, "dim": dim, "files": {n: fingerprint(tmp / n) for n in _FILES}}
    (tmp / "meta.json").write_text(json.dumps(meta, indent=1))


def _max_length(model_dir: Path) -> int:
    """The longest text the model reads, in tokens, as sentence-transformers sets it: its own setting, else the
    tokenizer's limit, never past the position table."""
    config = json.loads((model_dir / "config.json").read_text())
    limit = int(config.get("max_position_embeddings", 512))
    for name, key in (("sentence_bert_config.json", "max_seq_length"), ("tokenizer_config.json", "model_max_length")):
        try:
            value = json.loads((model_dir / name).read_text()).get(key)
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(value, int) and value > 0:
            return min(value, limit)
    return limit


def _traced(target: Path, st_model) -> list[str]:
    """Trace a loaded SentenceTransformer's transformer to ``target`` (float); return the inputs it reads."""
    import warnings

    import torch

    class Traceable(torch.nn.Module):
        # keyword call: positional order of Hugging Face forward() changes between versions
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            kwargs = {"token_type_ids": token_type_ids} if token_type_ids is not None else {}
            return self.model(input_ids=input_ids, attention_mask=attention_mask, **kwargs).last_hidden_state

    transformer = st_model[0].auto_model.eval()
    # traced on a padded batch of two (the exporter's general graph); _simplified then drops what one text per run
    # never needs, the attention mask among it
    encoded = st_model.tokenizer(["an example", "a longer example sentence to trace"], return_tensors="pt", padding=True)
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in encoded]
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's notes on opsets are not the user's business
        torch.onnx.export(Traceable(transformer), tuple(encoded[n] for n in names), str(target), input_names=names,
                          output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                          dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names},
                                        "last_hidden_state": {0: "batch", 1: "tokens"}})
    alone = [st_model.tokenizer(text, return_tensors="np") for text in ("an example", "a sentence run on its own")]
    return _simplified(target, [{n: sample[n].astype("int64") for n in names} for sample in alone])


def _simplified(path: Path, samples: list[dict]) -> list[str]:
    """Simplify the graph at ``path`` (onnx_graph) if it then gives the same outputs, bit for bit, on each sample
    text run alone; return the inputs the graph reads."""
    import onnxruntime as ort

    from .onnx_graph import simplify

    def outputs(graph: Path, names: list[str]) -> list[np.ndarray]:
        session = ort.InferenceSession(str(graph), providers=["CPUExecutionProvider"])
        return [session.run(None, {n: sample[n] for n in names})[0] for sample in samples]

    before = outputs(path, list(samples[0]))
    rewritten = path.with_name("simplified.onnx")
    names = simplify(path, rewritten)
    if all(np.array_equal(a, b) for a, b in zip(before, outputs(rewritten, names))):
        rewritten.replace(path)
        return names
    rewritten.unlink()  # a model whose graph masks or guards otherwise: keep it as traced
    return list(samples[0])


def _quantise(source: Path, target: Path) -> None:
    """int8 weights for the matrix products. Activations are quantised per run, which is why OnnxEmbedder runs each
    text alone: in a batch a text's vector would shift with its neighbours (and with padding)."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    handlers = list(root.handlers)
    logging.disable(logging.WARNING)  # the quantiser's advice on pre-processing is not the user's business
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul"])
    finally:
        logging.disable(logging.NOTSET)
        for handler in [h for h in root.handlers if h not in handlers]:
            root.removeHandler(handler)  # its logging.warning() installed one: every library's debug lines would show


def _verified(folder: Path, model_name: str) -> bool:
    """Whether the export in ``folder`` is complete and unchanged (sizes and checksums recorded in meta.json).

    model.onnx (90 MB) is checksummed by samples (integrity.checksum): 5 ms per cold question, where a whole hash
    would add 75 ms to the 0.3 s onnxruntime takes to open it.
    """
    try:
        meta = json.loads((folder / "meta.json").read_text())
        files = meta["files"]
        if meta["format"] != FORMAT or meta["model"] != model_name or set(files) != set(_FILES):
            return False
        return all(_same(folder / n, files[n]) for n in _FILES)
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _same(path: Path, expected: dict) -> bool:
    if path.stat().st_size != expected["size"]:
        return False
    key = "sha256_sampled" if "sha256_sampled" in expected else "sha256"
    return checksum(path, sampled=key == "sha256_sampled") == expected[key]


def _marker(folder: Path) -> Path:
    return folder.with_name(folder.name + ".failed")


def _retry_blocked(folder: Path, home: Path, needed: int) -> bool:
    """After a failed export, try again only a day later or, if the disk was full, once there is room for it."""
    try:
        info = json.loads(_marker(folder).read_text())
        if time.time() - float(info["at"]) > RETRY_AFTER:
            return False
        free, needed = free_space(home), max(needed, int(info.get("needed", 0)))
        # room for it now, and more than at the failure (a quota can fail an export with the disk far from full)
        return not (info.get("disk_full") and free >= needed and free >= info.get("free", 0) + 16 * 2**20)
    except (OSError, ValueError, KeyError, TypeError):  # no marker (or an unreadable one): try
        return False


def _record_failure(folder: Path, home: Path, error: Exception, needed: int) -> None:
    # The exporter may wrap ENOSPC in its own error, so a disk without room for the export counts as full too.
    free = free_space(home)
    disk_full = getattr(error, "errno", None) in (errno.ENOSPC, errno.EDQUOT) or free < needed
    info = {"at": time.time(), "disk_full": disk_full, "free": free, "needed": needed,
            "reason": f"{type(error).__name__}: {error}"[:500]}
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        _marker(folder).write_text(json.dumps(info))
    except OSError:
        pass  # not even room for a marker: the next question tries again, and fails as quickly


def free_space(home: Path) -> int:
    """Free bytes where the data folder is (0 when that cannot be told)."""
    return max(0, free_bytes(home))


def _largest_file(folder: Path) -> int:
    try:
        return max((p.stat().st_size for p in folder.rglob("*") if p.is_file()), default=0)
    except OSError:
        return 0


class OnnxEmbedder:
    """Embeds texts with the exported model, one text per run (see _quantise): no padding, and a text's vector
    depends on the text alone, so vectors reused by text at re-ingest are the ones a fresh run would give."""

    encoder = ENCODER

    def __init__(self, folder: Path, threads: int = 1):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        meta = json.loads((folder / "meta.json").read_text())
        self.name = meta["model"]
        self.dim = meta["dim"]
        self.inputs = meta["inputs"]
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads  # one short query: one thread is fastest
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=meta["max_seq_length"])
        self.tokenizer.no_padding()

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype="float32")
        return np.stack([self._one(text) for text in texts]).astype("float32")

    def embed_within(self, items: list[tuple[str, list[str]]]) -> list[list[np.ndarray | None]]:
        """For each (passage, its sentences): the passage's vector, then each sentence's from the passage's own run
        (its token states averaged over the sentence's tokens; None for a sentence not among them: index.plan)."""
        return [self._within(text, sentences) for text, sentences in items]

    def _states(self, e) -> np.ndarray:
        feeds = {"input_ids": [e.ids], "attention_mask": [e.attention_mask], "token_type_ids": [e.type_ids]}
        return self.session.run(None, {n: np.array(feeds[n], dtype="int64") for n in self.inputs})[0][0]

    def _one(self, text: str) -> np.ndarray:
        return _unit(self._states(self.tokenizer.encode(text)).mean(axis=0))  # alone, every token is a real one

    def _within(self, text: str, sentences: list[str]) -> list[np.ndarray | None]:
        e = self.tokenizer.encode(text)
        states, ids = self._states(e), e.ids
        out: list[np.ndarray | None] = [_unit(states.mean(axis=0))]
        at = 1  # after [CLS]; sentences come in the passage's order
        for sentence in sentences:
            part = self.tokenizer.encode(sentence, add_special_tokens=False).ids
            i = _find(ids, part, at)
            out.append(None if i < 0 else _unit(states[i : i + len(part)].mean(axis=0)))
            at = at if i < 0 else i + len(part)
        return out


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-12)


def _find(ids: list[int], part: list[int], start: int) -> int:
    """Where ``part`` first occurs in ``ids`` at or after ``start`` (-1 if nowhere, or ``part`` is empty)."""
    if not part:
        return -1
    first, n = part[0], len(part)
    for i in range(start, len(ids) - n + 1):
        if ids[i] == first and ids[i : i + n] == part:
            return i
    return -1


def ready(home: Path, model_name: str) -> bool:
    """Whether a complete, unchanged export of ``model_name`` is in the data folder (nothing is loaded)."""
    return _verified(folder_for(home, model_name), model_name)


def blocked(home: Path, model_name: str) -> bool:
    """Whether an export is not to be tried now: one failed lately (see _retry_blocked), or the data folder cannot
    take one (read-only: no marker can say so)."""
    folder = folder_for(home, model_name)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        probe = folder.with_name(f"{folder.name}.probe-{os.getpid()}")
        probe.touch()
        probe.unlink()
    except OSError:
        return True
    return _retry_blocked(folder, home, 0)


def load(home: Path, model_name: str, threads: int = 1) -> OnnxEmbedder | None:
    """The exported encoder for this model, if there is a complete, unchanged one (else None, never raises)."""
    folder = folder_for(home, model_name)
    if not _verified(folder, model_name):  # before onnxruntime sees a cut or altered model.onnx
        return None
    try:
        return OnnxEmbedder(folder, threads)
    except Exception:  # a broken export must never stop a question: fall back to sentence-transformers
        return None
