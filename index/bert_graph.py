"""A BERT encoder's ONNX graph written straight from its weights file, without torch.

Tracing the model with torch's exporter meant importing torch, transformers and sentence-transformers first
(9-11 s of a first ingest's 16-24 s export, README "Time to first answer"). A BERT encoder is a fixed recipe of
a few operators, so the graph is written here from ``config.json`` and ``model.safetensors`` in well under a
second. It is the graph the exporter traced and index.onnx_graph simplified, operator for operator (the same
products, sums and constants in the same order), so onnxruntime computes the same vectors bit for bit
(tests/test_integration.py checks it against the traced export); a model of another kind keeps the tracer.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

OPSET = 17  # the tracer's: LayerNormalization is an operator of its own from 17
WEIGHTS = "model.safetensors"


def _config(model_dir: Path) -> dict | None:
    try:
        config = json.loads((model_dir / "config.json").read_text())
    except (OSError, ValueError):
        return None
    return config if isinstance(config, dict) else None


def supported(model_dir: Path) -> bool:
    """A BERT encoder with absolute positions and exact GELU, its float32 weights in safetensors holding every table
    the recipe reads (told from its files: the weights file's header alone). Anything else is traced."""
    try:
        config = _config(model_dir)
        if config is None or config.get("model_type") != "bert" or config.get("hidden_act") != "gelu" \
                or config.get("position_embedding_type", "absolute") != "absolute" or not (model_dir / WEIGHTS).is_file():
            return False
        sizes = [config.get(k) for k in ("hidden_size", "num_attention_heads", "num_hidden_layers")]
        if not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in sizes) or sizes[0] % sizes[1]:
            return False
        from safetensors import safe_open

        with safe_open(str(model_dir / WEIGHTS), framework="numpy") as weights:
            names = set(weights.keys())
            prefix = _prefix(names)
            layer = {f"{prefix}encoder.layer.0.{part}.{kind}" for part in _LAYER_PARTS for kind in ("weight", "bias")}
            # float16 or bfloat16 weights would meet float32 constants in the graph: the tracer loads them as float32
            return prefix is not None and layer <= names and all(weights.get_slice(n).get_dtype() == "F32" for n in names
                                                                 if not n.endswith("position_ids"))
    except Exception:  # a damaged file or an odd config: the tracer, which loads the model, says what is wrong
        return False


_LAYER_PARTS = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
                "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm")


def _prefix(names: set[str]) -> str | None:
    """What the weights' names start with ("", "bert."), if they hold the embeddings the recipe reads."""
    return next((p for p in ("", "bert.", "model.") if {f"{p}embeddings.{t}.weight" for t in
                                                        ("word_embeddings", "token_type_embeddings", "position_embeddings")} <= names), None)


def write(model_dir: Path, target: Path) -> list[str]:
    """Write the float graph of the encoder in ``model_dir`` to ``target``; return the inputs it reads (token ids
    and token types: every text runs alone, so there is no attention mask)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from safetensors.numpy import load_file

    config = _config(model_dir) or {}
    weights = load_file(str(model_dir / WEIGHTS))
    prefix = _prefix(set(weights))
    if prefix is None:
        raise ValueError("not a BERT encoder's weights")
    hidden, heads = int(config["hidden_size"]), int(config["num_attention_heads"])
    head = hidden // heads
    eps = float(config.get("layer_norm_eps", 1e-12))
    nodes, inits = [], []

    def weight(name: str, transpose: bool = False) -> str:
        array = weights[prefix + name]
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array.T if transpose else array), name))
        return name

    def const(name: str, value) -> str:
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(kind: str, inputs: list[str], name: str, **attrs) -> str:
        nodes.append(helper.make_node(kind, inputs, [name], name=name, **attrs))
        return name

    def linear(x: str, layer: str, out: str) -> str:  # torch's Linear: x @ W.T, then the bias added
        product = op("MatMul", [x, weight(f"{layer}.weight", transpose=True)], f"{out}/MatMul")
        return op("Add", [weight(f"{layer}.bias"), product], f"{out}/Add")

    def norm(x: str, layer: str, out: str) -> str:
        return op("LayerNormalization", [x, weight(f"{layer}.weight"), weight(f"{layer}.bias")], out, axis=-1, epsilon=eps)

    # embeddings: word + token type, then position (the first n rows of the position table), then LayerNorm
    words = op("Gather", [weight("embeddings.word_embeddings.weight"), "input_ids"], "emb/words")
    types = op("Gather", [weight("embeddings.token_type_embeddings.weight"), "token_type_ids"], "emb/types")
    summed = op("Add", [words, types], "emb/sum")
    count = op("Gather", [op("Shape", ["input_ids"], "emb/shape"), const("one", np.int64(1))], "emb/count", axis=0)
    positions = np.arange(int(config.get("max_position_embeddings", 512)), dtype=np.int64)[None, :]
    ids = op("Slice", [const("positions", positions), const("zero1", np.array([0], np.int64)),
                       op("Unsqueeze", [count, const("axis0", np.array([0], np.int64))], "emb/end"),
                       const("one1", np.array([1], np.int64)), const("step1", np.array([1], np.int64))], "emb/ids")
    placed = op("Add", [summed, op("Gather", [weight("embeddings.position_embeddings.weight"), ids], "emb/place")], "emb/placed")
    x = norm(placed, "embeddings.LayerNorm", "emb/norm")

    split = const("split", np.array([0, 0, heads, head], np.int64))  # [batch, tokens, heads, head size]
    # The heads joined again by a shape worked out at run time, [batch, tokens, -1], as the exporter wrote it: with
    # the width unknown, onnxruntime leaves the attention's residual sum and LayerNorm unfused, as in the traced graph
    # (fused, they round their last bits otherwise, and every vector would move a little).
    joined = op("Concat", [op("Slice", [op("Shape", ["input_ids"], "shape"), const("zero2", np.array([0], np.int64)),
                                        const("two", np.array([2], np.int64))], "batch_tokens"),
                           const("rest", np.array([-1], np.int64))], "joined", axis=0)
    # q and k each scaled by head**-0.25 before their product, as the exporter writes scaled dot-product attention
    scale = const("scale", np.float32(head ** -0.25))
    sqrt2, one, half = const("sqrt2", np.float32(np.sqrt(2.0))), const("one_f", np.float32(1.0)), const("half", np.float32(0.5))
    for n in range(int(config["num_hidden_layers"])):
        at, name = f"encoder.layer.{n}", f"l{n}"
        q, k, v = (linear(x, f"{at}.attention.self.{part}", f"{name}/{part}") for part in ("query", "key", "value"))
        q = op("Transpose", [op("Reshape", [q, split], f"{name}/q4")], f"{name}/qt", perm=[0, 2, 1, 3])
        k = op("Transpose", [op("Reshape", [k, split], f"{name}/k4")], f"{name}/kt", perm=[0, 2, 3, 1])
        v = op("Transpose", [op("Reshape", [v, split], f"{name}/v4")], f"{name}/vt", perm=[0, 2, 1, 3])
        scores = op("MatMul", [op("Mul", [q, scale], f"{name}/qs"), op("Mul", [k, scale], f"{name}/ks")], f"{name}/scores")
        mixed = op("MatMul", [op("Softmax", [scores], f"{name}/p", axis=-1), v], f"{name}/mixed")
        context = op("Reshape", [op("Transpose", [mixed], f"{name}/mt", perm=[0, 2, 1, 3]), joined], f"{name}/context")
        attended = op("Add", [linear(context, f"{at}.attention.output.dense", f"{name}/out"), x], f"{name}/res1")
        x = norm(attended, f"{at}.attention.output.LayerNorm", f"{name}/norm1")
        inner = linear(x, f"{at}.intermediate.dense", f"{name}/inner")
        erf = op("Erf", [op("Div", [inner, sqrt2], f"{name}/gelu/div")], f"{name}/gelu/erf")
        gelu = op("Mul", [op("Mul", [inner, op("Add", [erf, one], f"{name}/gelu/add")], f"{name}/gelu/mul"), half], f"{name}/gelu")
        x = norm(op("Add", [linear(gelu, f"{at}.output.dense", f"{name}/ffn"), x], f"{name}/res2"), f"{at}.output.LayerNorm",
                 f"{name}/norm2" if n + 1 < int(config["num_hidden_layers"]) else "last_hidden_state")
    inputs = [helper.make_tensor_value_info(i, TensorProto.INT64, ["batch", "tokens"]) for i in ("input_ids", "token_type_ids")]
    output = helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "tokens", hidden])
    graph = helper.make_graph(nodes, "bert", inputs, [output], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="study")
    onnx.save(model, str(target))
    return ["input_ids", "token_type_ids"]
