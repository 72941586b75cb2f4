"""Asking a running `study serve` (same data folder) instead of loading the index and model in this process.

The other end of `server.json` is `server.write_marker`, and of /api/ask `server.api_routes`. A question carries
the asker's abstention thresholds, so the answer is the one `study ask --local` would give.
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Server:
    base: str
    token: str | None = None


def server_for(home: Path, model: str, mode: str) -> Server | None:
    """A live server for this data folder with the same model and mode, or None (a stale marker is removed)."""
    marker = home / "server.json"
    try:
        info = json.loads(marker.read_text())
        pid = int(info["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        try:
            marker.unlink()  # the server died without cleaning up
        except OSError:
            pass
        return None
    except OSError:
        return None
    if info.get("model") != model or info.get("mode", "hybrid") != mode:
        return None
    host = str(info.get("host", "127.0.0.1"))
    host = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    host = f"[{host}]" if ":" in host else host
    return Server(f"http://{host}:{int(info['port'])}", info.get("token"))


def post(server: Server, path: str, payload: dict, timeout: float = 30.0) -> dict | None:
    """POST JSON; None if the server cannot be reached or refuses (the caller answers in process)."""
    headers = {"Content-Type": "application/json"}
    if server.token:
        headers["Authorization"] = f"Bearer {server.token}"
    request = urllib.request.Request(server.base + path, data=json.dumps(payload).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def ask(server: Server, question: str, k: int, abstention, history: list[str] | None = None) -> dict | None:
    """``{"json": ..., "terminal": ...}`` for one question, answered with the asker's ``abstention`` thresholds;
    ``history``: the earlier questions of a conversation (then the JSON also says what was searched)."""
    payload = {"question": question, "k": k, "abstain": abstention.threshold, "abstain_named": abstention.named}
    if history is not None:
        payload["history"] = history
    return post(server, "/api/ask", payload)
