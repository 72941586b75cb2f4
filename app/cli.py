"""The `study` command: a thin layer that parses, calls app.service, and prints.

Heavy libraries (torch, sentence-transformers, gradio, even numpy) are imported inside
the commands that need them, so `study --help` is instant. Review's commands live
with review (app.review.cli) and are added to the group here.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .console import Progress, fail, library_errors, open_study, settings
from .review.cli import cards, grade_command, review


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", type=click.Path(file_okay=False), envvar="STUDY_HOME", help="Data folder for the index. [env STUDY_HOME; default .study/]")
@click.option("--model", envvar="STUDY_MODEL", help="sentence-transformers model name or path. [env STUDY_MODEL; default: the packaged all-MiniLM-L6-v2]")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "lexical"]), default="hybrid", show_default=True, help="Retrieval: dense + BM25 fused, or one alone.")
@click.option("--debug", is_flag=True, help="Show the full traceback of an unexpected error.")
@click.version_option(package_name="study")
@click.pass_context
def cli(ctx, home, model, mode, debug):
    """study: ask, search and review your own notes, offline, with exact citations.

    Notes live in notes/ (Markdown, text, PDF, slides, Word, EPUB, web pages, notebooks, images); the index in .study/.
    """
    ctx.obj = {"home": home, "model": model, "mode": mode}  # read with the environment by console.settings


cli.add_command(cards)
cli.add_command(review)
cli.add_command(grade_command)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))  # a typo is not "no notes there"
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary instead of text.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@click.option("--watch", is_flag=True, help="Keep running and re-index whenever notes change (Ctrl+C stops).")
@click.pass_context
@library_errors
def ingest(ctx, paths, as_json, quiet, watch):
    """Index notes (default: notes/), re-embedding only what changed.

    Exit status: 0 all indexed, 1 some files failed, 2 usage error.
    """
    study = open_study(ctx)
    paths = list(paths) or [study.notes]
    from index import NothingToIndex

    progress = Progress(enabled=not quiet)  # on stderr: stdout keeps only the summary (one JSON object with --json)
    try:
        report = study.ingest(paths, on_progress=progress)
    except NothingToIndex as e:
        progress.close()
        if getattr(e, "report", None) is not None:
            _print_report(e.report, as_json, summary=as_json)  # each failed file's own line before the last one
        fail(str(e))
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


def _print_report(report, as_json: bool, summary: bool = True) -> None:
    for item in report.warnings:
        click.echo(f"warning: {item['path']}: {item['warning']}", err=True)
    for item in report.failed:
        click.echo(f"failed: {item['path']}: {item['error']}", err=True)
    for item in report.skipped:
        click.echo(f"skipped: {item['path']}: {item['reason']}", err=True)
    if as_json and summary:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False), nl=True)
    elif summary:
        click.echo(report.summary())
    sys.stdout.flush()


def _turns(questions: list[str], conversation: bool) -> list[tuple[str, list[str] | None]]:
    """(question, earlier questions of its conversation or None); in a conversation a blank line starts a new one."""
    if not conversation:
        return [(q, None) for q in questions]
    turns, history = [], []
    for q in questions:
        if not q.strip():
            history = []
            continue
        turns.append((q, list(history)))
        history.append(q)
    return turns


def _ask_server(ctx, turns: list[tuple[str, list[str] | None]], k: int, as_json: bool) -> bool:
    """Answer through a running `study serve` on this data folder (same model and mode); False if there is none."""
    from . import client

    options = settings(ctx)
    server = client.server_for(options.home, options.model, options.mode)
    if server is None:
        return False
    replies = []
    for q, history in turns:
        reply = client.ask(server, q, k, options.abstention, history)
        if reply is None:
            return False if not replies else fail("the server stopped answering; run again (or with --local)")
        replies.append(reply)
        click.echo(json.dumps(reply["json"], ensure_ascii=False) if as_json else reply["terminal"])
        if reply["json"].get("indexing") and not as_json:
            click.echo(reply["json"]["indexing"], err=True)
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


@cli.command()
@click.argument("question")
@click.option("-k", default=5, show_default=True, type=click.IntRange(1, 50), help="How many passages to show.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object; with QUESTION '-', one per input line.")
@click.option("--local", is_flag=True, help="Answer in this process even if a `study serve` is running.")
@click.option("--conversation", is_flag=True,
              help="With '-': the lines are turns of one conversation (a blank line starts a new one); follow-ups "
                   "are searched with their topic and the JSON says what was searched (searched_as).")
@click.pass_context
@library_errors
def ask(ctx, question, k, as_json, local, conversation):
    """Answer QUESTION from your notes with cited passages ('-' reads questions from stdin).

    With a `study serve` running on the same data folder, the question goes to it (answers are the same, and
    come back without loading the model here).
    """
    questions = _stdin_questions() if question == "-" else [_valid_text(question, "the question")]
    turns = _turns(questions, conversation)
    if not local and _ask_server(ctx, turns, k, as_json):
        return
    from .render import terminal

    study = open_study(ctx)
    study.searcher(on_progress=Progress(enabled=not as_json))
    for q, history in turns:
        answer = study.ask(q, k=k, previous=history)
        click.echo(json.dumps(answer.to_json(conversation=history is not None), ensure_ascii=False) if as_json
                   else terminal(answer))
        if answer.indexing and not as_json:
            click.echo(answer.indexing, err=True)


@cli.command()
@click.option("-k", default=5, show_default=True, type=click.IntRange(1, 50), help="How many passages to show.")
@click.pass_context
@library_errors
def chat(ctx, k):
    """A conversation in the terminal: follow-ups ("why?", "and RNA?") carry the topic of the turn before.

    An empty line starts a new conversation; Ctrl+D or 'q' ends it.
    """
    from .render import terminal

    study = open_study(ctx)
    study.searcher(on_progress=Progress())
    history: list[str] = []
    click.echo("Ask about your notes (empty line: new conversation, q: quit).", err=True)
    while True:
        try:
            line = _valid_text(input("> "), "the question")
        except EOFError:
            break
        if line.strip().lower() in ("q", "quit", "exit"):
            break
        if not line.strip():
            history = []
            click.echo("(new conversation)", err=True)
            continue
        answer = study.ask(line, k=k, previous=history)
        if answer.query != answer.question:
            click.echo(f"(searched as a follow-up: {answer.query})")
        click.echo(terminal(answer))
        history.append(line)


@cli.command()
@click.argument("term")
@click.option("-k", default=10, show_default=True, type=click.IntRange(1, 100), help="How many passages to list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@library_errors
def search(ctx, term, k, as_json):
    """List passages about TERM (a concept or exact term), grouped by heading."""
    from .answer import search_json
    from .render import group_by_heading
    from .ui_search import worth_showing

    study = open_study(ctx)
    study.searcher(on_progress=Progress(enabled=not as_json))
    if as_json:  # every hit with its scores, for scripts to judge
        click.echo(json.dumps(search_json(term, study.search(term, k=k)), ensure_ascii=False))
        return
    # what the Search tab shows: wordless passages and the weak tail left out (a few more are fetched for that)
    hits = worth_showing(study.search(term, k=k + 5), limit=k)
    if not hits:
        click.echo(f"No passage in your notes is about “{term}”. Try other words, or `study ask` a question.")
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
@library_errors
def evaluate(ctx, file, as_json, k):
    """Score retrieval on FILE.jsonl ({"question", "answer_contains"} per line)."""
    from .evaluate import format_report, load_questions, run

    try:
        items = load_questions(file)
    except ValueError as e:
        fail(str(e), 2)
    study = open_study(ctx)
    study.searcher(on_progress=Progress(enabled=not as_json))
    report = run(study, items, k=k)
    click.echo(json.dumps(report, indent=1) if as_json else format_report(report))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; keep 127.0.0.1 unless you mean to expose it.")
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535))
@click.option("--watch/--no-watch", default=True, show_default=True, help="Re-index notes/ when files change.")
@click.option("--token", envvar="STUDY_TOKEN", help="Require this token on every request (generated when --host is not loopback). [env STUDY_TOKEN]")
@click.pass_context
@library_errors
def serve(ctx, host, port, watch, token):
    """Serve the web UI, after indexing what changed in notes/ (unchanged passages are not embedded again).

    Bound to 127.0.0.1 it answers only requests addressed to this machine's own loopback names; with any other
    --host every request must carry the token printed at start.
    """
    from .server import PortInUse

    try:
        _serve(open_study(ctx), host, port, watch, token)
    except PortInUse as e:  # said in one line before anything else happens
        fail(str(e))


def _serve(study, host: str, port: int, watch: bool, token: str | None) -> None:
    from index import current_folder

    from .server import bind, launch
    from .service import one_line
    from .uploads import remove_partial

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
    launch(study, host=host, port=port, token=token, say=lambda line: click.echo(line, err=line.startswith("warning")))


def main() -> None:
    """Every failure ends in one line and exit status 1; `--debug` (or STUDY_DEBUG=1) shows the traceback."""
    try:
        cli(prog_name="study")
    except Exception as e:
        from .config import debug

        if debug(sys.argv[1:]):
            raise
        from .service import one_line

        click.echo(f"Error: {one_line(e)} (run with --debug for details)", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
