"""Keeping the index in step with the notes folder while a server or `study ingest --watch` runs."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

from ingest import SUPPORTED

DEBOUNCE_SECONDS = 1.0  # editors write a file in several steps; wait for them to settle


class NotesWatcher:
    """Re-ingests (incrementally) shortly after notes are created, changed, deleted or moved."""

    def __init__(self, ingest: Callable[[], object], paths: list[Path], on_done: Callable[[object], None] | None = None,
                 on_error: Callable[[Exception], None] | None = None, debounce: float = DEBOUNCE_SECONDS):
        self.ingest = ingest
        self.paths = [p for p in paths if p.exists()]
        self.on_done = on_done
        self.on_error = on_error
        self.debounce = debounce
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()
        self._running = threading.Lock()
        self._pending = False
        self._observer = None

    def relevant(self, path: str) -> bool:
        name = Path(path).name
        return not name.startswith(".") and (Path(path).suffix.lower() in SUPPORTED or "." not in name)

    def changed(self, *paths: str) -> None:
        if not any(self.relevant(p) for p in paths if p):
            return
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self.debounce, self._run)
            self._timer.daemon = True
            self._timer.start()

    def _run(self) -> None:
        if not self._running.acquire(blocking=False):
            self._pending = True  # an ingest is under way: run once more when it ends
            return
        try:
            while True:
                self._pending = False
                try:
                    report = self.ingest()
                    if self.on_done:
                        self.on_done(report)
                except Exception as e:  # a bad moment (a file half-written) must not stop watching
                    if self.on_error:
                        self.on_error(e)
                if not self._pending:
                    break
        finally:
            self._running.release()

    def start(self) -> "NotesWatcher":
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event):
                if event.event_type in ("created", "modified", "deleted", "moved"):
                    watcher.changed(event.src_path, getattr(event, "dest_path", "") or "")

        self._observer = Observer()
        for path in self.paths:
            folder = path if path.is_dir() else path.parent
            self._observer.schedule(Handler(), str(folder), recursive=True)
        self._observer.daemon = True
        self._observer.start()
        return self

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
