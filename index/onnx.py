"""A torch-free query encoder: the same weights exported to ONNX, run with onnxruntime and tokenizers.

Importing sentence-transformers costs about 11 s here (torch, scikit-learn,
transformers); a question from a cold terminal should not. At ingest, when
the model is loaded anyway, its transformer is exported to ONNX into the
data folder; queries then tokenize with ``tokenizers``, run onnxruntime, and
mean-pool and normalise exactly as the sentence-transformers pipeline does.
Only models whose pipeline is Transformer -> mean Pooling (-> Normalize) are
exported; any other model keeps the sentence-transformers path.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np

from .integrity import checksum, fingerprint, free_bytes

FORMAT = 2  # 2: meta.json records the size and checksum of each file
_FILES = ("model.onnx", "tokenizer.json")
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


def export(home: Path, model_name: str, st_model, model_dir: Path) -> Path | None:
    """Export a loaded SentenceTransformer's transformer to ONNX (once per model); None if not exportable.

    ``model_dir``: the model's own folder (modules.json, tokenizer.json), which says whether it can be exported.

    Never raises: a failed export (full disk, read-only folder, an exporter error) removes what it wrote and leaves
    a marker, so the next cold question does not spend seconds on it again (see _retry_blocked).
    """
    folder = folder_for(home, model_name)
    if _verified(folder, model_name):
        return folder
    if not model_dir.exists() or not _supported(model_dir) or not (model_dir / "tokenizer.json").exists():
        return None
    needed = 2 * _largest_file(model_dir)  # the ONNX graph holds the weights once; twice that leaves room to spare
    if _retry_blocked(folder, home, needed):
        return None
    tmp = folder.with_name(folder.name + ".tmp")
    try:
        shutil.rmtree(tmp, ignore_errors=True)
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


def write_export(tmp: Path, model_name: str, model_dir: Path, st_model) -> None:
    """Trace the transformer into ``tmp``/model.onnx, beside its tokenizer and a meta.json of both files."""
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
    # a padded batch of two, so the traced graph handles padding masks like any batch
    encoded = st_model.tokenizer(["an example", "a longer example sentence to trace"], return_tensors="pt", padding=True)
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in encoded]
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's notes on opsets are not the user's business
        torch.onnx.export(Traceable(transformer), tuple(encoded[n] for n in names), str(tmp / "model.onnx"), input_names=names,
                          output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                          dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names},
                                        "last_hidden_state": {0: "batch", 1: "tokens"}})
    shutil.copy(model_dir / "tokenizer.json", tmp / "tokenizer.json")
    meta = {"format": FORMAT, "model": model_name, "inputs": names, "max_seq_length": int(st_model.max_seq_length),
            "dim": int(transformer.config.hidden_size), "files": {n: fingerprint(tmp / n) for n in _FILES}}
    (tmp / "meta.json").write_text(json.dumps(meta, indent=1))


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
        free = free_space(home)
        # room for it now, and more than at the failure (a quota can fail an export with the disk far from full)
        return not (info.get("disk_full") and free >= needed and free >= info.get("free", 0) + 16 * 2**20)
    except (OSError, ValueError, KeyError, TypeError):  # no marker (or an unreadable one): try
        return False


def _record_failure(folder: Path, home: Path, error: Exception, needed: int) -> None:
    # The exporter may wrap ENOSPC in its own error, so a disk without room for the export counts as full too.
    free = free_space(home)
    disk_full = getattr(error, "errno", None) in (errno.ENOSPC, errno.EDQUOT) or free < needed
    info = {"at": time.time(), "disk_full": disk_full, "free": free, "reason": f"{type(error).__name__}: {error}"[:500]}
    try:
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
    """Embeds texts with the exported model; vectors match sentence-transformers to ~1e-6."""

    BATCH = 8  # texts per run: padding to the longest of a batch costs more than bigger batches save (4-32 measured)

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
        self.tokenizer.enable_padding()

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype="float32")
        if len(texts) > self.BATCH:
            return np.concatenate([self.embed(texts[i:i + self.BATCH]) for i in range(0, len(texts), self.BATCH)])
        encodings = self.tokenizer.encode_batch(texts)
        feeds = {
            "input_ids": np.array([e.ids for e in encodings], dtype="int64"),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype="int64"),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype="int64"),
        }
        hidden = self.session.run(None, {n: feeds[n] for n in self.inputs})[0]
        mask = feeds["attention_mask"][..., None].astype("float32")
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype("float32")


def load(home: Path, model_name: str, threads: int = 1) -> OnnxEmbedder | None:
    """The exported encoder for this model, if there is a complete, unchanged one (else None, never raises)."""
    folder = folder_for(home, model_name)
    if not _verified(folder, model_name):  # before onnxruntime sees a cut or altered model.onnx
        return None
    try:
        return OnnxEmbedder(folder, threads)
    except Exception:  # a broken export must never stop a question: fall back to sentence-transformers
        return None
