"""The `study` command: a thin layer that parses, calls app.service, and prints.

Heavy libraries (torch, sentence-transformers, gradio) are imported inside
the commands that need them, so `study --help` is instant.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import config


class Progress:
    """tqdm bars on stderr for the two stages of an ingest."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.bars: dict = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        bar = self.bars.get(stage)
        if bar is None:
            unit = "file" if stage == "read" else "text"
            bar = self.bars[stage] = tqdm(total=total, desc="Reading notes" if stage == "read" else "Embedding", unit=unit,
                                          file=sys.stderr, leave=False, dynamic_ncols=True)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def _study(ctx: click.Context):
    from .service import Study

    opts = ctx.obj
    try:
        settings = dict(abstain=config.abstain_threshold(), abstain_named=config.abstain_named_threshold(),
                        max_note_mb=config.max_note_mb())
    except ValueError as e:
        _fail(str(e), 2)
    return Study(config.home(opts["home"]), notes=config.notes_dir(), model=opts["model"], mode=opts["mode"], **settings)


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _library_errors(fn):
    """Turn the library's typed errors into one clear line and exit status 1."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from index import IndexMismatch, IndexMissing, IndexWriteError, ModelError, NothingToIndex

        from .server import PortInUse

        try:
            return fn(*args, **kwargs)
        except (IndexMismatch, IndexMissing, IndexWriteError, ModelError, NothingToIndex, PortInUse) as e:
            _fail(str(e))

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", type=click.Path(file_okay=False), envvar="STUDY_HOME", help="Data folder for the index. [env STUDY_HOME; default .study/]")
@click.option("--model", envvar="STUDY_MODEL", help="sentence-transformers model name or path. [env STUDY_MODEL; default: the packaged all-MiniLM-L6-v2]")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "lexical"]), default="hybrid", show_default=True, help="Retrieval: dense + BM25 fused, or one alone.")
@click.option("--debug", is_flag=True, help="Show the full traceback of an unexpected error.")
@click.version_option(package_name="study")
@click.pass_context
def cli(ctx, home, model, mode, debug):
    """study: ask, search and review your own notes, offline, with exact citations.

    Notes live in notes/ (Markdown, text, PDF); the index in .study/.
    """
    ctx.obj = {"home": home, "model": model, "mode": mode}


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary instead of text.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@click.option("--watch", is_flag=True, help="Keep running and re-index whenever notes change (Ctrl+C stops).")
@click.pass_context
@_library_errors
def ingest(ctx, paths, as_json, quiet, watch):
    """Index notes (default: notes/), re-embedding only what changed.

    Exit status: 0 all indexed, 1 some files failed, 2 usage error.
    """
    study = _study(ctx)
    paths = list(paths) or [study.notes]
    progress = Progress(enabled=not quiet and not as_json)
    try:
        report = study.ingest(paths, on_progress=progress)
    finally:
        progress.close()
    _print_report(report, as_json)
    if watch:
        _watch(study, paths, as_json)
    sys.exit(1 if report.failed else 0)


def _watch(study, paths: list[Path], as_json: bool) -> None:
    import time

    from .watch import NotesWatcher

    def done(report) -> None:
        if report.written or report.failed:
            _print_report(report, as_json)

    def error(e: Exception) -> None:
        click.echo(f"Error: {e}", err=True)

    import signal

    def stop(signum, frame):
        raise KeyboardInterrupt

    # SIGTERM (service managers, `kill`) stops as cleanly as Ctrl+C; SIGINT may be ignored in background jobs.
    signal.signal(signal.SIGTERM, stop)
    watcher = NotesWatcher(lambda: study.ingest(paths), paths, on_done=done, on_error=error).start()
    click.echo(f"Watching {', '.join(str(p) for p in paths)} for changes (Ctrl+C to stop).", err=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        watcher.stop()


def _print_report(report, as_json: bool) -> None:
    for item in report.warnings:
        click.echo(f"warning: {item['path']}: {item['warning']}", err=True)
    for item in report.failed:
        click.echo(f"failed: {item['path']}: {item['error']}", err=True)
    for reason in report.skipped:
        click.echo(f"skipped: {reason}", err=True)
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False), nl=True)
    else:
        click.echo(report.summary())
    sys.stdout.flush()


def _ask_server(ctx, questions: list[str], k: int, as_json: bool) -> bool:
    from .client import post, server_for

    from index.embed import model_spec

    server = server_for(config.home(ctx.obj["home"]), model_spec(ctx.obj["model"]), ctx.obj["mode"])
    if server is None:
        return False
    replies = []
    for q in questions:
        reply = post(server, "/api/ask", {"question": q, "k": k})
        if reply is None:
            return False if not replies else _fail("the server stopped answering; run again (or with --local)")
        replies.append(reply)
        click.echo(json.dumps(reply["json"], ensure_ascii=False) if as_json else reply["terminal"])
    return True


def _valid_text(text: str, what: str) -> str:
    """Bytes that are not UTF-8 (they reach argv as surrogates) become U+FFFD, with a warning, not a traceback."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        click.echo(f"warning: {what} is not valid UTF-8; the bad bytes were replaced (use a UTF-8 terminal)", err=True)
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _stdin_questions() -> list[str]:
    lines = sys.stdin.buffer.read().splitlines()
    questions = []
    for n, raw in enumerate(lines, start=1):
        try:
            questions.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            click.echo(f"warning: question on input line {n} is not valid UTF-8; the bad bytes were replaced", err=True)
            questions.append(raw.decode("utf-8", "replace"))
    return [q.removeprefix("\ufeff") for q in questions]


def _print_answer(answer) -> None:
    from .render import terminal

    click.echo(terminal(answer))


@cli.command()
@click.argument("question")
@click.option("-k", default=5, show_default=True, type=click.IntRange(1, 50), help="How many passages to show.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object; with QUESTION '-', one per input line.")
@click.option("--local", is_flag=True, help="Answer in this process even if a `study serve` is running.")
@click.pass_context
@_library_errors
def ask(ctx, question, k, as_json, local):
    """Answer QUESTION from your notes with cited passages ('-' reads questions from stdin).

    With a `study serve` running on the same data folder, the question goes to it (answers are the same, and
    come back without loading the model here).
    """
    questions = _stdin_questions() if question == "-" else [_valid_text(question, "the question")]
    if not local and _ask_server(ctx, questions, k, as_json):
        return
    study = _study(ctx)
    study.searcher(on_progress=Progress(enabled=not as_json))
    for q in questions:
        answer = study.ask(q, k=k)
        if as_json:
            click.echo(json.dumps(answer.to_json(), ensure_ascii=False))
        else:
            _print_answer(answer)


@cli.command()
@click.argument("term")
@click.option("-k", default=10, show_default=True, type=click.IntRange(1, 100), help="How many passages to list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@_library_errors
def search(ctx, term, k, as_json):
    """List passages about TERM (a concept or exact term), grouped by heading."""
    from .render import group_by_heading, hit_json

    study = _study(ctx)
    study.searcher(on_progress=Progress(enabled=not as_json))
    hits = study.search(term, k=k)
    if as_json:
        click.echo(json.dumps({"query": term, "passages": [hit_json(h) for h in hits]}, ensure_ascii=False))
        return
    if not hits:
        click.echo("No passages match.")
    for heading, group in group_by_heading(hits):
        click.secho(heading or "(no heading)", bold=True)
        for h in group:
            click.echo(f"  [{h.rank}] {h.chunk.citation}")
            click.echo("      " + h.chunk.text.strip().replace("\n", "\n      "))


@cli.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@click.option("-k", default=10, show_default=True, type=click.IntRange(1, 50), help="Passages retrieved per question.")
@click.pass_context
@_library_errors
def evaluate(ctx, file, as_json, k):
    """Score retrieval on FILE.jsonl ({"question", "answer_contains"} per line)."""
    from .evaluate import format_report, load_questions, run

    try:
        items = load_questions(file)
    except ValueError as e:
        _fail(str(e), 2)
    study = _study(ctx)
    study.searcher(on_progress=Progress(enabled=not as_json))
    report = run(study, items, k=k)
    click.echo(json.dumps(report, indent=1) if as_json else format_report(report))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; keep 127.0.0.1 unless you mean to expose it.")
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535))
@click.option("--watch/--no-watch", default=True, show_default=True, help="Re-index notes/ when files change.")
@click.option("--token", envvar="STUDY_TOKEN", help="Require this token on every request (generated when --host is not loopback). [env STUDY_TOKEN]")
@click.pass_context
@_library_errors
def serve(ctx, host, port, watch, token):
    """Serve the web UI, after indexing what changed in notes/ (unchanged passages are not embedded again).

    Bound to 127.0.0.1 it answers only requests addressed to this machine's own loopback names; with any other
    --host every request must carry the token printed at start.
    """
    from index import current_folder

    from .server import bind, launch
    from .service import one_line
    from .uploads import remove_partial

    study = _study(ctx)
    bind(host, port).close()  # a port in use is one clear line now, not after a minute of indexing
    remove_partial(study.notes)
    if study.notes.exists():
        progress = Progress()
        try:
            report = study.ingest(on_progress=progress)
            click.echo(report.summary(), err=True)
            for item in report.failed:
                click.echo(f"failed: {item['path']}: {item['error']}", err=True)
        except Exception as e:  # degrade, don't die: answer from the index we have, say why it is not newer
            if current_folder(study.home) is None:
                raise
            click.echo(f"warning: indexing could not run: {one_line(e)}; answering from the existing index", err=True)
        finally:
            progress.close()
    study.searcher(on_progress=Progress())
    if watch and study.notes.exists():
        from .watch import NotesWatcher

        def done(report) -> None:
            if report.written or report.failed:
                click.echo(f"notes changed: {report.summary()}", err=True)

        NotesWatcher(study.ingest, [study.notes], on_done=done,
                     on_error=lambda e: click.echo(f"Error while re-indexing: {e}", err=True)).start()
    launch(study, host=host, port=port, token=token, max_upload_mb=config.max_note_mb(),
           say=lambda line: click.echo(line, err=line.startswith("warning")))


from . import cli_review  # noqa: E402,F401 - registers `study cards` and `study review`


def main() -> None:
    """Every failure ends in one line and exit status 1; `--debug` (or STUDY_DEBUG=1) shows the traceback."""
    import os

    try:
        cli(prog_name="study")
    except Exception as e:
        if "--debug" in sys.argv[1:] or os.environ.get("STUDY_DEBUG"):
            raise
        from .service import one_line

        click.echo(f"Error: {one_line(e)} (run with --debug for details)", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
