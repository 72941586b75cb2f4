"""The CLI as a user runs it: exit codes, JSON contract, stdin batches, messages."""
from __future__ import annotations

import json

from click.testing import CliRunner

from app.cli import cli

from .conftest import NOTES


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_every_command_has_help():
    assert {"ingest", "ask", "search", "eval", "serve", "cards", "review"} <= set(cli.commands)
    for command in cli.commands:
        result = run(command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output, command
        assert command in run("--help").output
    assert "Exit status" in run("ingest", "--help").output


def test_ingest_prints_summary_and_json(notes_copy):
    result = run("ingest", "--json", str(notes_copy))
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert {k: summary[k] for k in ["added", "updated", "removed", "unchanged", "failed"]} == \
        {"added": 1, "updated": 0, "removed": 0, "unchanged": 0, "failed": []}
    assert summary["passages"] > 80
    again = run("ingest", str(notes_copy))
    assert again.exit_code == 0
    assert "0 added, 0 updated, 0 removed, 1 unchanged, 0 failed" in again.stdout and "index unchanged" in again.stdout


def test_ingest_exit_status_1_names_the_failed_file(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "ok.md").write_text("# Topic\nSQS is a queue service.\n")
    (notes / "scan.pdf").write_bytes(b"not a pdf at all")
    result = run("ingest", str(notes))
    assert result.exit_code == 1
    assert "failed: notes/scan.pdf: not a readable PDF" in result.stderr
    assert "1 added" in result.stdout and "1 failed" in result.stdout


def test_ingest_of_nothing_is_a_clear_error(tmp_path):
    empty = tmp_path / "nothing"
    empty.mkdir()
    result = run("ingest", str(empty))
    assert result.exit_code == 1 and "No notes" in result.stderr


def test_usage_error_is_exit_2():
    assert run("ask").exit_code == 2
    assert run("ask", "-k", "0", "q").exit_code == 2


def test_ask_json_contract(monkeypatch, notes_copy):
    monkeypatch.setenv("STUDY_NOTES", str(notes_copy))
    result = run("ask", "--json", "long polling SQS API calls")  # builds the index first
    obj = json.loads(result.stdout)
    assert set(obj) == {"question", "answer", "abstained", "passages"}
    assert obj["question"] == "long polling SQS API calls" and isinstance(obj["abstained"], bool)
    assert len(obj["passages"]) == 5
    p = obj["passages"][0]
    assert set(p) == {"rank", "source", "heading", "start_line", "end_line", "page", "score", "text", "locator", "unit", "ocr"}
    assert p["rank"] == 1 and p["source"] == "notes/aws-developer-notes.md"
    # the unit repeats the line citation, and the locator says it as a person reads it
    assert p["unit"] == {"kind": "lines", "start": p["start_line"], "end": p["end_line"], "chapter": None}
    assert p["locator"] == (f"line {p['start_line']}" if p["start_line"] == p["end_line"]
                            else f"lines {p['start_line']}-{p['end_line']}")
    assert p["ocr"] is False
    lines = (NOTES / "aws-developer-notes.md").read_text().split("\n")
    cited = " ".join(lines[p["start_line"] - 1 : p["end_line"]])
    assert p["text"].split("\n")[0].lstrip("- ").strip()[:30] in cited
    assert p["heading"] not in p["text"]


def test_ask_json_stdin_keeps_order(monkeypatch, notes_copy):
    monkeypatch.setenv("STUDY_NOTES", str(notes_copy))
    questions = ["What is an ENI?", "How do I enable X-Ray on Beanstalk?", "What is IAM?"]
    result = run("ask", "--json", "-", input="\n".join(questions) + "\n")
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["question"] for o in objects] == questions


def test_ask_prints_citations(monkeypatch, notes_copy):
    monkeypatch.setenv("STUDY_NOTES", str(notes_copy))
    result = run("ask", "ProvisionedThroughputExceeded", "-k", "2")
    assert result.exit_code == 0
    assert "[1] notes/aws-developer-notes.md:" in result.stdout and "[3]" not in result.stdout


def test_empty_and_punctuation_questions(monkeypatch, notes_copy):
    monkeypatch.setenv("STUDY_NOTES", str(notes_copy))
    for q in ["", "?!..."]:
        obj = json.loads(run("ask", "--json", q).stdout)
        assert obj["passages"] == [] and obj["answer"]


def test_search_groups_by_heading(monkeypatch, notes_copy):
    monkeypatch.setenv("STUDY_NOTES", str(notes_copy))
    out = json.loads(run("search", "--json", "DynamoDB capacity units").stdout)
    assert out["passages"] and all("heading" in p for p in out["passages"])
    text = run("search", "DynamoDB capacity units").stdout
    assert "Setion22 DynamoDB > Exam Note" in text
    # as the Search tab: made-up words list nothing, and say so
    none = run("search", "xyzzyqwerty plugh")
    assert none.exit_code == 0 and none.stdout.startswith("No passage in your notes is about “xyzzyqwerty plugh”")
    assert "[1]" not in none.stdout


EVAL_NOTES = """# Queues
Long polling waits for messages and reduces empty responses.

# Streams
Shards carry stream records in order.

# Storage
Buckets keep objects with versioning and empty folders.
"""
# Known outcomes with the hashing embedder: two first, one second (its words are the Storage passage's), one abstains.
EVAL_QUESTIONS = [{"question": "long polling empty responses", "answer_contains": ["waits for messages"]},
                  {"question": "stream shards order", "answer_contains": ["carry stream records"]},
                  {"question": "empty buckets", "answer_contains": ["reduces empty responses"]},
                  {"question": "sourdough bread recipe", "answer_contains": []}]


def test_eval_reports_metrics(monkeypatch, tmp_path, isolated_home):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "study.md").write_text(EVAL_NOTES)
    monkeypatch.setenv("STUDY_NOTES", str(notes))
    qs = tmp_path / "q.jsonl"
    qs.write_text("".join(json.dumps(q) + "\n" for q in EVAL_QUESTIONS))
    report = json.loads(run("eval", "--json", str(qs)).stdout)
    assert (report["questions"], report["answerable"], report["out_of_scope"]) == (4, 3, 1)
    assert (report["hit@1"], report["hit@5"], report["mrr@10"]) == (0.6667, 1.0, 0.8333)  # ranks 1, 1, 2
    assert (report["abstention_recall"], report["false_abstention"]) == (1.0, 0.0)
    assert report["answer_hit"] == 0.6667  # the question answered from its second passage shows the first's sentence
    assert [(m["question"], m["rank"], m["abstained"]) for m in report["misses"]] == [("empty buckets", 2, False)]
    from index import load

    lengths = [len(c.text) for c in load(isolated_home).chunks]
    assert len(lengths) == 3 and report["mean_passage_chars"] == round(sum(lengths) / 3, 1)  # every question sees all 3
    assert report["latency_ms_p50"] > 0 and report["latency_ms_p95"] >= report["latency_ms_p50"]
    text = run("eval", str(qs)).stdout
    for line in ["questions          4 (3 answerable, 1 out of scope)", "hit@1              0.667", "hit@5              1.000",
                 "MRR@10             0.833", "abstention recall  1.000", "false abstention   0.000",
                 "None: rank=2 abstained=False  empty buckets"]:
        assert line in text
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    result = run("eval", str(bad))
    assert result.exit_code == 2 and "bad.jsonl:1" in result.stderr


def test_bad_settings_are_one_line_and_exit_2(monkeypatch):
    for name, value in [("STUDY_ABSTAIN", "lots"), ("STUDY_ANN_THRESHOLD", "1e9x"), ("STUDY_QUERY_ENCODER", "gpu")]:
        with monkeypatch.context() as env:
            env.setenv(name, value)
            result = run("ask", "--local", "anything")
            assert result.exit_code == 2 and result.stderr.startswith(f"Error: {name}=") and result.stderr.count("\n") == 1


def test_ingest_json_keeps_stdout_for_the_result_and_reports_progress_on_stderr(notes_copy):
    result = run("ingest", "--json", str(notes_copy))
    assert result.exit_code == 0
    report = json.loads(result.stdout)  # stdout is exactly one JSON object
    steps = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert steps and all(set(s) == {"file", "done", "total", "unit"} for s in steps)
    reads = [s for s in steps if s["unit"] == "file"]
    assert reads[-1]["done"] == reads[-1]["total"] == 1 and reads[-1]["file"] == "notes/aws-developer-notes.md"
    texts = [s for s in steps if s["unit"] == "text"]
    assert texts[-1]["done"] == texts[-1]["total"] == report["embedded"]
    assert all(s["file"] == "notes/aws-developer-notes.md" for s in texts)  # which file is being embedded


def test_terminal_progress_bars_name_the_file_being_embedded(capsys):
    from app.console import Progress

    progress = Progress(bars=True)
    progress("read", 1, 2, "notes/a.md")
    progress("read", 2, 2, "notes/lecture.pdf")
    progress("embed", 256, 600, "notes/a.md")
    assert progress.bars["embed"].postfix == "notes/a.md"
    for done in (512, 600):
        progress("embed", done, 600, "notes/lecture.pdf")
    bar = progress.bars["embed"]
    assert bar.desc == "Embedding" and bar.postfix == "notes/lecture.pdf" and bar.n == 600
    assert "Embedding" in capsys.readouterr().err  # on stderr, stdout stays for results


def test_ingest_of_a_path_that_does_not_exist_says_so():
    result = CliRunner().invoke(cli, ["ingest", "/no/such/notes-folder"])
    assert result.exit_code == 2 and "'/no/such/notes-folder' does not exist" in result.output
    assert "Traceback" not in result.output
