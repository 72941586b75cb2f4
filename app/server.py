"""The served process: the JSON API beside the web page, the guard in front of both, and `server.json`.

`server.json` (written here) and `client.py` (which reads it) are the two ends of one contract: where a
running server for this data folder listens, and the token it wants.
"""
from __future__ import annotations

import ipaddress
import json
import os
import secrets
import signal
import socket
import sys
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from .service import Study

LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1"}
TOKEN_COOKIE = "study_token"


def is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _split_host(value: str) -> tuple[str, int | None]:
    """'127.0.0.1:7860' -> ('127.0.0.1', 7860); '[::1]:80' -> ('::1', 80); a bad value -> ('', None)."""
    try:
        parts = urlsplit("//" + value)
        return (parts.hostname or "").lower(), parts.port
    except ValueError:
        return "", None


class Guard:
    """ASGI middleware in front of every route, Gradio's included.

    A page on another site can make its own name resolve to 127.0.0.1 (DNS rebinding) and then talk to us as
    if it were us; the browser still sends its own name in ``Host``. So on a loopback bind only loopback
    names with our port are served. Any request must also come from our own origin when a browser says where it
    comes from. Bound beyond loopback, a token is required on every
    request (a header, a cookie set from ``?token=``), since any Host name may then be legitimate.
    """

    def __init__(self, app, host: str, port: int, token: str | None):
        self.app, self.port, self.token = app, port, token
        self.hosts = set(LOOPBACK_NAMES) | {host.strip("[]").lower()}
        self.check_host = is_loopback(host)

    def host_ok(self, value: str) -> bool:
        name, port = _split_host(value)
        return name in self.hosts and (port or 80) == self.port

    @staticmethod
    def origin_ok(origin: str, host: str) -> bool:
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()

    def token_ok(self, headers: dict, query: str) -> tuple[bool, bool]:
        """(allowed, set the cookie): the token as a bearer header, our cookie, or ?token= on a page load."""
        if self.token is None:
            return True, False
        if headers.get("authorization", "") == f"Bearer {self.token}":
            return True, False
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed cookie header is just no token
            pass
        if TOKEN_COOKIE in cookie and secrets.compare_digest(cookie[TOKEN_COOKIE].value, self.token):
            return True, False
        given = parse_qs(query).get("token", [""])[0]
        return (True, True) if given and secrets.compare_digest(given, self.token) else (False, False)

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host", "")
        if self.check_host and not self.host_ok(host):
            return await _refuse(scope, send, "unknown Host: this server only answers to its own address")
        origin = headers.get("origin")
        # a browser says where a cross-site request comes from: refuse it on every method, a GET too (Gradio would
        # otherwise grant another local page the right to read its answer)
        if origin and not self.origin_ok(origin, host):
            return await _refuse(scope, send, "cross-origin request refused")
        allowed, set_cookie = self.token_ok(headers, scope.get("query_string", b"").decode("latin-1"))
        if not allowed:
            return await _refuse(scope, send, "token required: open the address printed by `study serve`")
        if not set_cookie:
            return await self.app(scope, receive, send)

        async def send_with_cookie(message):
            if message["type"] == "http.response.start":
                cookie = f"{TOKEN_COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict".encode()
                message = dict(message, headers=list(message.get("headers", [])) + [(b"set-cookie", cookie)])
            await send(message)

        return await self.app(scope, receive, send_with_cookie)


async def _refuse(scope, send, reason: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = json.dumps({"error": reason}).encode()
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def api_routes(app, study: Study) -> None:
    """Plain JSON endpoints: the CLI answers through a running server instead of loading everything itself.

    /api/ask answers with the asker's abstention thresholds when it sends them (``abstain``, ``abstain_named``,
    as app.client does), so `study ask` gives the answer `study ask --local` would. /api/health counts the
    questions answered here, so a client (or a test) can tell that an answer came from this server.
    """
    import threading

    from fastapi import Body

    from .answer import Abstention, search_json
    from .render import terminal

    answered = {"questions": 0}
    lock = threading.Lock()

    @app.get("/api/health")
    def health():
        searcher = study.searcher()
        return {"status": "ok", "passages": len(searcher.chunks), "questions": answered["questions"]}

    @app.post("/api/ask")
    def ask(question: str = Body(...), k: int = Body(5), abstain: float | None = Body(None),
            abstain_named: float | None = Body(None), history: list[str] | None = Body(None)):
        own = study.settings.abstention
        abstention = Abstention(own.threshold if abstain is None else abstain, own.named if abstain_named is None else abstain_named)
        answer = study.ask(question, k=max(1, min(int(k), 50)), previous=history or None, abstention=abstention)
        with lock:
            answered["questions"] += 1
        return {"json": answer.to_json(conversation=history is not None), "terminal": terminal(answer)}

    @app.post("/api/search")
    def search(query: str = Body(...), k: int = Body(10)):
        return search_json(query, study.search(query, k=max(1, min(int(k), 100))))


class PortInUse(Exception):
    pass


def bind(host: str, port: int) -> socket.socket:
    """Bind before saying anything: a port in use is one clear line, not a 'serving on' followed by a crash."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as e:
        sock.close()
        raise PortInUse(f"cannot listen on {host}:{port} ({e.strerror or e}); stop what uses it or pick another --port") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def write_marker(home: Path, info: dict) -> Path | None:
    """Tell `study ask` in another terminal where we listen (readable by this user only: it may hold the token)."""
    marker = home / "server.json"
    try:
        home.mkdir(parents=True, exist_ok=True)
        tmp = home / f".server-{os.getpid()}.json"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(json.dumps(info))
        os.replace(tmp, marker)
        return marker
    except OSError:
        return None  # a read-only data folder: we still serve, the CLI just answers in its own process


def launch(study: Study, host: str = "127.0.0.1", port: int = 7860, token: str | None = None, say=print) -> None:
    """Serve the page and the API on ``host:port`` until stopped; ``server.json`` says where while it runs."""
    import atexit

    sock = bind(host, port)
    if not is_loopback(host) and not token:
        token = secrets.token_urlsafe(24)
    os.environ.setdefault("GRADIO_TEMP_DIR", str((study.home / "upload-cache").resolve()))
    import gradio as gr
    import uvicorn
    from fastapi import FastAPI

    from .review.store import store_path
    from .web import CSS, build_ui, page_theme

    demo = build_ui(study)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    api_routes(app, study)
    max_upload_mb = study.settings.max_note_mb
    limit = f"{int(max_upload_mb)}mb" if max_upload_mb else None
    private = [str(p.resolve()) for p in (study.notes, study.home / "index", store_path(study.home), study.home / "server.json")]
    app = gr.mount_gradio_app(app, demo, path="/", server_name=host, server_port=port, css=CSS, theme=page_theme(gr),
                              show_error=False,
                              max_file_size=limit, footer_links=["gradio", "settings"], blocked_paths=private)
    # Gradio checks that a file handed to an event was uploaded by a user only once it believes it has been
    # launched, which a mounted app never is; without this any server-side path could be imported as a note.
    demo.has_launched = True
    guarded = Guard(app, host, port, token)
    marker = write_marker(study.home, {"host": host, "port": port, "pid": os.getpid(), "model": study.model,
                                       "mode": study.mode, "token": token})

    def forget() -> None:
        if marker is not None:
            try:
                if json.loads(marker.read_text()).get("pid") == os.getpid():
                    marker.unlink()
            except (OSError, ValueError):
                pass

    atexit.register(forget)
    # uvicorn re-raises SIGTERM after its graceful shutdown; with Python's default handler that would end the
    # process before atexit runs and leave a stale server.json behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    shown = f"http://{host if ':' not in host else f'[{host}]'}:{port}/"
    say(f"study is serving on {shown}{f'?token={token}' if token else ''} (Ctrl+C to stop)")
    if token:
        say("warning: listening beyond this machine; every request needs the token above")
    try:
        uvicorn.Server(uvicorn.Config(guarded, log_level="warning")).run(sockets=[sock])
    finally:
        forget()
