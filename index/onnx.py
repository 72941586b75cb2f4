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

import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np

FORMAT = 1


def _folder(home: Path, model_name: str) -> Path:
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


def export(home: Path, model_name: str, st_model) -> Path | None:
    """Export a loaded SentenceTransformer's transformer to ONNX (once per model); None if not exportable."""
    folder = _folder(home, model_name)
    if (folder / "meta.json").exists():
        return folder
    model_dir = Path(getattr(st_model, "study_model_dir", "") or "")
    if not model_dir.exists() or not _supported(model_dir) or not (model_dir / "tokenizer.json").exists():
        return None
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
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        import warnings

        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's notes on opsets are not the user's business
            torch.onnx.export(Traceable(transformer), tuple(encoded[n] for n in names), str(tmp / "model.onnx"), input_names=names,
                              output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                              dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names},
                                            "last_hidden_state": {0: "batch", 1: "tokens"}})
        shutil.copy(model_dir / "tokenizer.json", tmp / "tokenizer.json")
        meta = {"format": FORMAT, "model": model_name, "inputs": names, "max_seq_length": int(st_model.max_seq_length),
                "dim": int(transformer.config.hidden_size)}
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1))
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
    except Exception:  # no exporter, an odd architecture: queries keep the sentence-transformers path
        shutil.rmtree(tmp, ignore_errors=True)
        return None
    return folder


class OnnxEmbedder:
    """Embeds queries with the exported model; vectors match sentence-transformers to ~1e-6."""

    def __init__(self, folder: Path):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        meta = json.loads((folder / "meta.json").read_text())
        self.name = meta["model"]
        self.dim = meta["dim"]
        self.inputs = meta["inputs"]
        options = ort.SessionOptions()
        options.intra_op_num_threads = int(os.environ.get("STUDY_ONNX_THREADS", "1"))  # one short query: one thread is fastest
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=meta["max_seq_length"])
        self.tokenizer.enable_padding()

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype="float32")
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


def load(home: Path, model_name: str) -> OnnxEmbedder | None:
    """The exported query encoder for this model, if there is a usable one."""
    folder = _folder(home, model_name)
    if not (folder / "meta.json").exists():
        return None
    try:
        return OnnxEmbedder(folder)
    except Exception:  # a broken export must never stop a question: fall back to sentence-transformers
        return None
