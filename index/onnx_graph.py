"""Cleanups of the traced transformer graph before it is quantised: work that never changes a vector when every
text is run alone (no padding), removed. Each rewrite keeps the outputs equal bit for bit (tests check it)."""
from __future__ import annotations

from pathlib import Path


def simplify(path: Path, target: Path | None = None, unpadded_inputs: tuple[str, ...] = ("attention_mask",)) -> list[str]:
    """Rewrite the graph at ``path`` into ``target`` (in place without one); return the names of the inputs it still
    reads."""
    import onnx

    model = onnx.load(str(path))
    graph = model.graph
    _drop_nan_guards(graph)
    _drop_mask_adds(graph, set(unpadded_inputs))
    _prune(graph)
    used = {name for n in graph.node for name in n.input}
    kept = [i for i in graph.input if i.name in used]
    del graph.input[:]
    graph.input.extend(kept)
    onnx.save(model, str(target or path))
    return [i.name for i in kept]


def _drop_nan_guards(graph) -> None:
    """``Where(IsNaN(p), 0, p)`` after an attention softmax ``p`` becomes ``p``.

    torch's exporter guards against a row of attention with every key masked, whose softmax is NaN; a text's own
    tokens are never masked (a text has at least [CLS]), so the guard never fires, and it cost a tenth of a run."""
    made = _producers(graph)
    rename = {}
    for n in graph.node:
        test = made.get(n.input[0]) if n.op_type == "Where" and len(n.input) == 3 else None
        if test is not None and test.op_type == "IsNaN" and test.input[0] == n.input[2] \
                and getattr(made.get(n.input[2]), "op_type", "") == "Softmax":
            rename[n.output[0]] = n.input[2]
    _bypass(graph, rename)


def _drop_mask_adds(graph, unpadded: set[str]) -> None:
    """``Softmax(scores + mask)`` becomes ``Softmax(scores)`` where the mask is worked out from ``unpadded``
    inputs, shapes and constants alone: a text run alone has a mask of all ones, which adds zeros to every score
    (simplify's caller checks the outputs are unchanged, so a model that masks otherwise keeps its graph)."""
    kind = {name: "mask" for name in unpadded}  # tensor -> "mask", "static" (shapes, constants) or "data"
    kind.update((init.name, "static") for init in graph.initializer)
    for n in graph.node:  # an ONNX graph lists its nodes in an order where inputs come first
        if n.op_type in ("Constant", "Shape"):
            found = "static"  # a shape does not depend on the values of the tensor it measures
        else:
            sources = {kind.get(i, "data") for i in n.input if i}
            found = "data" if "data" in sources else "mask" if "mask" in sources else "static"
        kind.update((out, found) for out in n.output)

    feeds_softmax = {name for n in graph.node if n.op_type == "Softmax" for name in n.input}
    rename = {}
    for n in graph.node:
        if n.op_type == "Add" and n.output[0] in feeds_softmax and len(n.input) == 2:
            kinds = [kind.get(i, "data") for i in n.input]
            if sorted(kinds) == ["data", "mask"]:
                rename[n.output[0]] = n.input[kinds.index("data")]
    _bypass(graph, rename)


def _producers(graph) -> dict:
    return {out: n for n in graph.node for out in n.output}


def _bypass(graph, rename: dict[str, str]) -> None:
    """Read each renamed tensor from its replacement instead (the graph's own outputs are never bypassed)."""
    outputs = {o.name for o in graph.output}
    rename = {k: v for k, v in rename.items() if k not in outputs}
    for n in graph.node:
        n.input[:] = [rename.get(name, name) for name in n.input]


def _prune(graph) -> None:
    """Drop every node whose outputs nothing reads any more."""
    outputs = {o.name for o in graph.output}
    nodes = list(graph.node)
    while True:
        used = {name for n in nodes for name in n.input} | outputs
        kept = [n for n in nodes if set(n.output) & used]
        if len(kept) == len(nodes):
            break
        nodes = kept
    del graph.node[:]
    graph.node.extend(nodes)
