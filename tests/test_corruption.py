"""A damaged index is named in one line and rebuilt by `study ingest`; a full disk or broken export loses nothing."""
from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from app.cli import cli
from index import IndexDamaged, IndexMissing, IndexWriteError, build, integrity, load, load_embedder, onnx, store

from .conftest import NOTES, ROOT

BM25_FILES = ["bm25/data.csc.index.npy", "bm25/indices.csc.index.npy", "bm25/indptr.csc.index.npy",
              "bm25/params.index.json", "bm25/vocab.index.json"]
FILES = ["vectors.faiss", "vectors.npy", "sentences.npy", "sentence_offsets.npy", "passages.jsonl", "passage_offsets.npy",
         "passage_kinds.npy", "passage_roles.npy", "sentence_keys.npy", "files.json", "vocab.json",
         *BM25_FILES, "manifest.json"]
QUESTION = "why use long polling with SQS"


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def garble(path: Path) -> None:
    """Flip bytes in the middle, keeping the size."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    for i in range(middle, min(len(data), middle + 16)):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


def empty(path: Path) -> None:
    path.write_bytes(b"")


def delete(path: Path) -> None:
    path.unlink()


# damage -> (how, what the message may call it); a cut manifest is no longer JSON, so it is "unreadable"
DAMAGES = {"truncate": (truncate, {"truncated", "unreadable"}), "garble": (garble, {"checksum differs", "unreadable"}),
           "empty": (empty, {"empty"}), "delete": (delete, {"missing"})}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """notes/ and an index of them in home/, built once; each test damages its own copy."""
    root = tmp_path_factory.mktemp("template")
    shutil.copytree(NOTES, root / "notes")
    build(root / "home", [root / "notes"], load_embedder("hash:256"))
    return root


@pytest.fixture
def work(template, tmp_path, isolated_home, monkeypatch) -> Path:
    """A copy of the template at tmp_path (home/ is STUDY_HOME), and the current directory."""
    shutil.copytree(template / "home", isolated_home)
    shutil.copytree(template / "notes", tmp_path / "notes")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def live(home: Path) -> Path:
    return store.current_folder(home)


def test_the_files_damaged_here_are_all_the_index_has(work):
    """If bm25s names its files differently one day, this says so instead of testing files that do not exist."""
    folder = live(work / "home")
    written = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert written == sorted(FILES)
    contents = json.loads((folder / "manifest.json").read_text())["contents"]
    assert sorted(contents) == sorted(set(FILES) - {"manifest.json"})


@pytest.mark.parametrize("damage", list(DAMAGES))
@pytest.mark.parametrize("name", FILES)
def test_damage_is_named_in_one_line_and_ingest_rebuilds(work, name, damage):
    home = work / "home"
    before = live(home)
    how, kinds = DAMAGES[damage]
    how(before / name)
    with pytest.raises(IndexDamaged) as caught:
        load(home, model="hash:256", lexical=False)  # the way ingest opens it: BM25 files are verified all the same
    assert caught.value.file == name and caught.value.damage in kinds
    runner = CliRunner()
    asked = runner.invoke(cli, ["ask", "--json", "--local", QUESTION], catch_exceptions=False)
    assert asked.exit_code == 1 and asked.stdout == ""
    assert asked.stderr.splitlines() == [
        f"Error: the index in {home}/ is damaged ({name}: {caught.value.damage}); run `study ingest` to rebuild it"]
    ingested = runner.invoke(cli, ["ingest"], catch_exceptions=False)
    assert ingested.exit_code == 0 and "index unchanged" not in ingested.stdout
    assert live(home) != before
    answered = runner.invoke(cli, ["ask", "--json", "--local", QUESTION], catch_exceptions=False)
    assert answered.exit_code == 0 and json.loads(answered.stdout)["passages"]


def study(work: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, STUDY_HOME="home", STUDY_MODEL="hash:256",  # home as the user gave it: relative
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=work, env=env, capture_output=True, text=True)


# every file once, in a separate process (a crash in faiss or numpy would show here), the damages taking turns
@pytest.mark.slow  # 16 x 3 fresh processes
@pytest.mark.parametrize("name,damage", [(name, list(DAMAGES)[i % len(DAMAGES)]) for i, name in enumerate(FILES)])
def test_cli_process_says_damaged_without_traceback_then_ingest_fixes_it(work, name, damage):
    DAMAGES[damage][0](live(work / "home") / name)
    asked = study(work, "ask", "--json", "--local", QUESTION)
    assert asked.returncode == 1 and "Traceback" not in asked.stderr
    lines = asked.stderr.splitlines()
    assert len(lines) == 1, asked.stderr
    found = re.fullmatch(r"Error: the index in home/ is damaged \((.+): (.+)\); run `study ingest` to rebuild it", lines[0])
    assert found and found[1] == name and found[2] in DAMAGES[damage][1], lines[0]
    ingested = study(work, "ingest")
    assert ingested.returncode == 0 and "index unchanged" not in ingested.stdout, ingested.stderr
    answered = study(work, "ask", "--json", "--local", QUESTION)
    assert answered.returncode == 0 and json.loads(answered.stdout)["passages"], answered.stderr


@pytest.mark.parametrize("pointer,damage", [(b"v-20000101-000000-1-1\n", "names a missing folder v-20000101-000000-1-1"),
                                            (b"", "empty"), (b"\xff\xfe\x00garbage", "unreadable")])
def test_current_pointing_nowhere_is_damage_and_ingest_repairs_it(work, pointer, damage):
    home = work / "home"
    (home / "index" / "CURRENT").write_bytes(pointer)
    with pytest.raises(IndexDamaged, match=re.escape(f"(CURRENT: {damage})")):
        load(home)
    assert store.current_folder(home) is not None  # not "no index": `study ask` must not quietly build another
    report = build(home, [work / "notes"], load_embedder("hash:256"))
    assert report.written and load(home).chunks
    (home / "index" / "CURRENT").write_bytes(pointer)
    for version in (home / "index").glob("v-*"):
        shutil.rmtree(version)
    with pytest.raises(IndexMissing):  # no version at all: simply no index yet
        load(home)
    assert store.current_folder(home) is None


def test_other_format_is_a_mismatch_not_damage(work):
    """An index written before checksums were recorded asks for a rebuild, like any older format."""
    path = live(work / "home") / "manifest.json"
    data = json.loads(path.read_text())
    data["format_version"] = 4
    del data["checksum"], data["contents"]
    path.write_text(json.dumps(data))
    with pytest.raises(store.IndexMismatch, match="format 4") as caught:
        load(work / "home")
    assert not isinstance(caught.value, IndexDamaged)


def edit_notes(work: Path) -> None:
    note = next((work / "notes").iterdir())
    note.write_text(note.read_text() + "\n## Added\nA new fact about dead letter queues.\n")


def test_disk_full_while_writing_keeps_the_previous_index(work, monkeypatch):
    home = work / "home"
    before = live(home)
    edit_notes(work)

    def fill_disk(self, folder):
        folder.mkdir()
        (folder / "params.index.json").write_text("{\"k1\": ")  # part written, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "params.index.json"))

    monkeypatch.setattr(store.Lexical, "save", fill_disk)
    with pytest.raises(IndexWriteError) as caught:
        build(home, [work / "notes"], load_embedder("hash:256"))
    message = str(caught.value)
    assert re.fullmatch(rf"disk full while writing the index in {re.escape(str(home))}/ \(\d+ MB free\); free some space "
                        r"and run `study ingest` again; the previous index is still in use", message)
    assert [p.name for p in (home / "index").iterdir() if p.name.startswith((".tmp", ".CURRENT-"))] == []
    assert live(home) == before and load(home, model="hash:256").chunks
    result = CliRunner().invoke(cli, ["ingest", "-q"], catch_exceptions=False)  # the CLI: one line, exit 1
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("Error: disk full while writing the index") and "still in use" in result.stderr


def test_disk_full_when_switching_versions_removes_the_new_one(work, monkeypatch):
    home = work / "home"
    before = live(home)
    edit_notes(work)
    write_text = Path.write_text

    def no_room_for_pointer(self, *args, **kwargs):
        if self.name.startswith(".CURRENT-"):
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return write_text(self, *args, **kwargs)

    with monkeypatch.context() as patched, pytest.raises(IndexWriteError, match="^disk full"):
        patched.setattr(Path, "write_text", no_room_for_pointer)
        build(home, [work / "notes"], load_embedder("hash:256"))
    assert sorted(p.name for p in (home / "index").iterdir()) == sorted([".lock", "CURRENT", before.name])
    assert live(home) == before and load(home).chunks


def test_read_only_data_folder_is_one_line(work, monkeypatch):
    home = work / "home"
    before = live(home)
    edit_notes(work)

    def read_only(index, path):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(store, "save_faiss", read_only)
    with pytest.raises(IndexWriteError, match=r"^the data folder .+/ is read-only \(read-only file system: .+vectors\.faiss\); "
                                              r"make it writable and run `study ingest` again; the previous index is still in use$"):
        build(home, [work / "notes"], load_embedder("hash:256"))
    assert live(home) == before and not list((home / "index").glob(".tmp-*"))


def test_lock_on_a_read_only_folder_is_one_line(work, monkeypatch):
    real_open = open

    def no_write(path, mode="r", *args, **kwargs):
        if str(path).endswith(".lock"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", no_write)
    with pytest.raises(IndexWriteError, match="is read-only \\(permission denied: .+\\.lock\\)"):
        build(work / "home", [work / "notes"], load_embedder("hash:256"))


def test_faiss_write_errors_are_not_swallowed(tmp_path):
    """faiss.write_index only prints a warning when close() fails on a full disk; the index must not be cut silently."""
    import faiss

    index = faiss.IndexFlatIP(8)
    index.add(np.ones((1000, 8), dtype="float32"))
    with pytest.raises(OSError) as caught:
        store.save_faiss(index, Path("/dev/full"))
    assert caught.value.errno == errno.ENOSPC


# --- the ONNX query encoder ---------------------------------------------------------------------------------

def tiny_export(folder: Path, model_name: str) -> None:
    """What onnx.export writes, for a toy model: embedding lookup as the 'transformer'."""
    import onnx as onnx_lib
    from onnx import TensorProto, helper, numpy_helper
    from tokenizers import Tokenizer, models, pre_tokenizers

    folder.mkdir(parents=True)
    table = np.random.default_rng(0).normal(size=(4, 8)).astype("float32")
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "tokens"]) for n in ("input_ids", "attention_mask")]
    output = helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "tokens", 8])
    graph = helper.make_graph([helper.make_node("Gather", ["table", "input_ids"], ["last_hidden_state"])], "toy",
                              inputs, [output], [numpy_helper.from_array(table, "table")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx_lib.save(model, str(folder / "model.onnx"))
    tokenizer = Tokenizer(models.WordLevel({"[UNK]": 0, "queue": 1, "shard": 2, "stream": 3}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.save(str(folder / "tokenizer.json"))
    meta = {"format": onnx.FORMAT, "model": model_name, "inputs": ["input_ids", "attention_mask"], "max_seq_length": 16,
            "dim": 8, "files": {n: integrity.fingerprint(folder / n) for n in ("model.onnx", "tokenizer.json")}}
    (folder / "meta.json").write_text(json.dumps(meta))


def test_damaged_onnx_export_is_not_used(isolated_home):
    """Checked before onnxruntime opens it: a cut model.onnx fails to parse, but an altered one would load."""
    folder = onnx.folder_for(isolated_home, "toy-model")
    for damage in (truncate, garble, empty, delete):
        shutil.rmtree(folder, ignore_errors=True)
        tiny_export(folder, "toy-model")
        encoder = onnx.load(isolated_home, "toy-model")
        assert encoder is not None and encoder.embed(["queue stream"]).shape == (1, 8)
        damage(folder / "model.onnx")
        assert onnx.load(isolated_home, "toy-model") is None, damage.__name__


def fake_model_dir(model_dir: Path) -> Path:
    """Enough of a sentence-transformers model folder for export() to decide to export (the exporting itself is patched)."""
    model_dir.mkdir()
    (model_dir / "modules.json").write_text(json.dumps([
        {"path": "", "type": "sentence_transformers.models.Transformer"},
        {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]))
    (model_dir / "1_Pooling").mkdir()
    (model_dir / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_mean_tokens": True}))
    (model_dir / "tokenizer.json").write_text("{}")
    (model_dir / "model.safetensors").write_bytes(b"\0" * 1000)
    return model_dir


def test_failed_export_cleans_up_and_is_not_retried_on_every_question(isolated_home, tmp_path, monkeypatch):
    attempts = []

    def disk_full(tmp, model_name, model_dir, st_model):
        attempts.append(tmp)
        (tmp / "model.onnx").write_bytes(b"\x08partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(onnx, "write_export", disk_full)
    monkeypatch.setattr(onnx, "free_space", lambda home: 0)
    model, model_dir = object(), fake_model_dir(tmp_path / "model")
    folder = onnx.folder_for(isolated_home, "toy-model")
    assert onnx.export(isolated_home, "toy-model", model, model_dir) is None
    assert not folder.exists() and not list(folder.parent.glob(folder.name + ".tmp*"))
    assert json.loads(folder.with_name(folder.name + ".failed").read_text())["disk_full"] is True
    assert onnx.export(isolated_home, "toy-model", model, model_dir) is None and len(attempts) == 1  # the next question: no retry
    assert onnx.load(isolated_home, "toy-model") is None

    monkeypatch.setattr(onnx, "free_space", lambda home: 10**12)  # space was freed: try again, and this time it works
    monkeypatch.setattr(onnx, "write_export", lambda tmp, name, *_: (attempts.append(tmp), shutil.rmtree(tmp),
                                                                 tiny_export(tmp, name)))
    assert onnx.export(isolated_home, "toy-model", model, model_dir) == folder and len(attempts) == 2
    assert not folder.with_name(folder.name + ".failed").exists() and onnx.load(isolated_home, "toy-model") is not None
    assert onnx.export(isolated_home, "toy-model", model, model_dir) == folder and len(attempts) == 2  # verified: kept as it is


def test_damaged_export_is_exported_again(isolated_home, tmp_path, monkeypatch):
    folder = onnx.folder_for(isolated_home, "toy-model")
    tiny_export(folder, "toy-model")
    truncate(folder / "model.onnx")
    monkeypatch.setattr(onnx, "write_export", lambda tmp, name, *_: (shutil.rmtree(tmp), tiny_export(tmp, name)))
    assert onnx.export(isolated_home, "toy-model", object(), fake_model_dir(tmp_path / "model")) == folder
    assert onnx.load(isolated_home, "toy-model") is not None


def test_a_model_that_must_be_loaded_to_export_is_not_marked_failed_when_asked_without_it(isolated_home, tmp_path, monkeypatch):
    """Only a BERT encoder is written from its files; asked to export another kind of model without the model, the
    export declines (None) and leaves no failure mark, so the export with the loaded model still runs."""
    writes = []
    monkeypatch.setattr(onnx, "write_export", lambda tmp, name, model_dir, st_model: (writes.append(st_model), shutil.rmtree(tmp),
                                                                                  tiny_export(tmp, name)))
    model_dir = fake_model_dir(tmp_path / "model")
    (model_dir / "config.json").write_text(json.dumps({"model_type": "xlm-roberta", "hidden_act": "gelu",
                                                       "hidden_size": 8, "num_attention_heads": 2}))
    assert not onnx.without_model(model_dir)
    folder = onnx.folder_for(isolated_home, "toy-model")
    assert onnx.export(isolated_home, "toy-model", None, model_dir) is None and writes == []
    assert not folder.with_name(folder.name + ".failed").exists()
    loaded = object()
    assert onnx.export(isolated_home, "toy-model", loaded, model_dir) == folder and writes == [loaded]
    (model_dir / "config.json").write_text(json.dumps({"model_type": "bert", "hidden_act": "gelu", "hidden_size": 8,
                                                       "num_attention_heads": 2, "num_hidden_layers": 1}))
    assert not onnx.without_model(model_dir)  # a weights file that cannot be read: left to the tracer
    from safetensors.numpy import save_file

    from index import bert_graph

    tables = {f"embeddings.{t}.weight": np.zeros((4, 8), "float32") for t in ("word_embeddings", "position_embeddings")}
    tables.update({f"encoder.layer.0.{part}.{kind}": np.zeros((8,), "float32") for part in bert_graph._LAYER_PARTS
                   for kind in ("weight", "bias")})
    save_file(tables, str(model_dir / "model.safetensors"))
    assert not onnx.without_model(model_dir)  # no token types: not the recipe bert_graph writes
    save_file({**tables, "embeddings.token_type_embeddings.weight": np.zeros((2, 8), "float32")}, str(model_dir / "model.safetensors"))
    assert onnx.without_model(model_dir)  # BERT, its weights in safetensors: written without loading it


def test_weights_the_graph_cannot_be_written_from_leave_the_export_to_the_tracer(tmp_path, monkeypatch):
    """Half-precision weights are not written from (they would meet float32 constants in the graph); and should
    writing from the weights fail anyway, a loaded model is traced instead of the export failing."""
    from safetensors.numpy import save_file

    from index import bert_graph

    model_dir = fake_model_dir(tmp_path / "model")
    (model_dir / "config.json").write_text(json.dumps({"model_type": "bert", "hidden_act": "gelu", "hidden_size": 8,
                                                       "num_attention_heads": 2, "num_hidden_layers": 1}))
    tables = {f"embeddings.{t}.weight": np.zeros((4, 8), "float32")
              for t in ("word_embeddings", "position_embeddings", "token_type_embeddings")}
    layer = {f"encoder.layer.0.{part}.{kind}": np.zeros((8,), "float32") for part in bert_graph._LAYER_PARTS
             for kind in ("weight", "bias")}
    save_file({**tables, **layer}, str(model_dir / "model.safetensors"))
    assert bert_graph.supported(model_dir)
    save_file({**tables, **{k: v.astype("float16") for k, v in layer.items()}}, str(model_dir / "model.safetensors"))
    assert not bert_graph.supported(model_dir)
    (model_dir / "config.json").write_text(json.dumps({"model_type": "bert", "hidden_act": "gelu", "hidden_size": "8",
                                                       "num_attention_heads": 2, "num_hidden_layers": 1}))
    assert not onnx.without_model(model_dir)  # a size written as text: no error, the tracer's

    def fails(*_):
        raise ValueError("weights it cannot read")

    traced = []

    def trace(target, model):
        traced.append(model)
        raise RuntimeError("traced")

    monkeypatch.setattr(bert_graph, "supported", lambda folder: True)
    monkeypatch.setattr(bert_graph, "write", fails)
    monkeypatch.setattr(onnx, "_traced", trace)
    (tmp_path / "out").mkdir()
    with pytest.raises(RuntimeError, match="traced"):
        onnx.write_export(tmp_path / "out", "toy-model", model_dir, "the loaded model")
    assert traced == ["the loaded model"]
    with pytest.raises(ValueError):  # no model to trace: export() marks it failed, as any failed export
        onnx.write_export(tmp_path / "out", "toy-model", model_dir, None)
