"""Asking a running `study serve` (same data folder) instead of loading the index and model in this process."""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path


def server_for(home: Path, model: str, mode: str) -> str | None:
    """Base URL of a live server for this data folder with the same model and mode, or None."""
    try:
        info = json.loads((home / "server.json").read_text())
        os.kill(int(info["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if info.get("model") != model or info.get("mode", "hybrid") != mode:
        return None
    host = info.get("host", "127.0.0.1")
    host = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return f"http://{host}:{int(info['port'])}"


def post(base: str, path: str, payload: dict, timeout: float = 30.0) -> dict | None:
    """POST JSON; None if the server cannot be reached (the caller answers in process)."""
    request = urllib.request.Request(base + path, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None
