"""The real server against a hostile web page and a curious client: it answers only to itself."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import free_port

NOTE = "# Queues\nThe platypus queue keeps messages for fourteen days.\n"


def start_server(base: Path, *args: str) -> tuple[subprocess.Popen, int, Path]:
    notes, home = base / "notes", base / "home"
    notes.mkdir(parents=True, exist_ok=True)
    (notes / "queues.md").write_text(NOTE)
    port = free_port()
    env = dict(os.environ, STUDY_HOME=str(home), STUDY_NOTES=str(notes), STUDY_MODEL="hash:256")
    log = base / "serve.log"
    proc = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port), "--no-watch", *args], cwd=base,
                            env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text())
        if (home / "server.json").exists():
            try:
                request("GET", port, "/api/health", token=json.loads((home / "server.json").read_text()).get("token"))
                return proc, port, home
            except OSError:
                pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("study serve did not come up: " + log.read_text())


def request(method: str, port: int, path: str, body: dict | None = None, host: str | None = None,
            origin: str | None = None, token: str | None = None) -> tuple[int, str]:
    headers = {"Content-Type": "application/json"}
    if host:
        headers["Host"] = host
    if origin:
        headers["Origin"] = origin
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    base = tmp_path_factory.mktemp("secure")
    proc, port, home = start_server(base)
    yield port, base
    proc.terminate()
    proc.wait(timeout=30)


def test_the_cli_through_the_server_gets_its_own_abstention_settings(served):
    """`study ask` sends its thresholds; the server answers with them, as `study ask --local` would."""
    port, base = served
    question = "platypus queue banana"  # an everyday word the passage lacks: the dense threshold decides

    def answered() -> int:
        return json.loads(request("GET", port, "/api/health")[1])["questions"]

    for threshold, abstains in (("0", False), ("1.5", True)):
        env = dict(os.environ, STUDY_HOME=str(base / "home"), STUDY_MODEL="hash:256", STUDY_ABSTAIN=threshold)
        replies = {}
        for flag in ([], ["--local"]):
            before = answered()
            out = subprocess.run([sys.executable, "-m", "app", "ask", "--json", *flag, question], cwd=base, env=env,
                                 capture_output=True, text=True, timeout=60)
            assert out.returncode == 0, out.stderr
            assert answered() == before + (0 if flag else 1)  # the first went through the server, the second not
            replies[bool(flag)] = json.loads(out.stdout)
        assert replies[False] == replies[True] and replies[False]["abstained"] is abstains, threshold


ROUTES = [("GET", "/", None), ("GET", "/api/health", None), ("POST", "/api/ask", {"question": "platypus queue"}),
          ("POST", "/api/search", {"query": "platypus"}), ("GET", "/gradio_api/info", None), ("GET", "/config", None),
          ("POST", "/gradio_api/call/upload", {"data": [[], False]})]


@pytest.mark.parametrize("method,path,body", ROUTES)
def test_foreign_host_is_refused_on_every_route(served, method, path, body):
    port, _ = served
    assert request(method, port, path, body)[0] == 200
    for host in (f"evil.example:{port}", f"127.0.0.1.evil.example:{port}", "localhost:1"):
        status, text = request(method, port, path, body, host=host)
        assert status == 403, (host, status)
        assert "platypus" not in text


@pytest.mark.parametrize("method,path,body", ROUTES)
def test_foreign_origin_is_refused_on_every_route(served, method, path, body):
    """Another page (another local server's included) may neither change anything nor read an answer."""
    port, _ = served
    assert request(method, port, path, body, origin=f"http://127.0.0.1:{port}")[0] == 200
    for origin in ("http://evil.example", f"http://evil.example:{port}", "null", f"http://localhost:{port + 1}"):
        status, text = request(method, port, path, body, origin=origin)
        assert status == 403 and "platypus" not in text, origin
    preflight = request("OPTIONS", port, path, origin="http://localhost:9999")
    assert preflight[0] == 403  # no grant for another page to read what a GET returns


def test_health_reveals_no_paths(served):
    port, base = served
    status, text = request("GET", port, "/api/health")
    assert status == 200 and json.loads(text)["passages"] >= 1
    assert str(base) not in text and "home" not in json.loads(text)


def call_upload(port: int, path: str, replace: bool = True) -> str:
    status, text = request("POST", port, "/gradio_api/call/upload",
                           {"data": [[{"path": path, "meta": {"_type": "gradio.FileData"}}], replace]})
    assert status == 200
    event = json.loads(text)["event_id"]
    return request("GET", port, f"/gradio_api/call/upload/{event}")[1]


def test_upload_of_a_server_side_path_is_refused(served, tmp_path):
    port, base = served
    secret = tmp_path / "secret.md"
    secret.write_text("# Secret\nThe wombat password is hunter2.\n")
    outcome = call_upload(port, str(secret))
    assert "saved" not in outcome
    assert not (base / "notes" / "secret.md").exists()
    time.sleep(1.5)
    status, text = request("POST", port, "/api/search", {"query": "wombat password hunter2"})
    assert status == 200 and not any("hunter2" in p["text"] for p in json.loads(text)["passages"])


def upload_as_the_page_does(port: int, path: Path) -> str:
    """Into Gradio's upload cache, then the Notes tab's upload event with the cached file: what the page sends.

    Plain HTTP, not gradio_client: that client's heartbeat connection stays open after close() and holds the
    server's shutdown for up to 15 s."""
    boundary = "study-test-boundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{path.name}"\r\n'
            "Content-Type: text/markdown\r\n\r\n").encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    upload = urllib.request.Request(f"http://127.0.0.1:{port}/gradio_api/upload", data=body,
                                    headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(upload, timeout=30) as response:
        cached = json.loads(response.read())[0]
    status, text = request("POST", port, "/gradio_api/call/upload",
                           {"data": [[{"path": cached, "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}], False]})
    assert status == 200, text
    return request("GET", port, f"/gradio_api/call/upload/{json.loads(text)['event_id']}")[1]


def test_a_real_upload_is_indexed_in_the_background(served, tmp_path):
    port, base = served
    note = tmp_path / "echidna notes.md"
    note.write_text("# Echidna\nThe echidna finds ants with electroreception.\n")
    status_html = upload_as_the_page_does(port, note)
    assert "saved echidna notes.md" in status_html
    assert (base / "notes" / "echidna notes.md").read_text() == note.read_text()
    deadline = time.time() + 30
    while time.time() < deadline:
        if "electroreception" in request("POST", port, "/api/search", {"query": "echidna ants"})[1]:
            break
        time.sleep(0.5)
    else:
        pytest.fail("the uploaded note never became searchable")
    assert not list((base / "notes").glob(".upload-*"))


def test_non_loopback_bind_needs_the_token(tmp_path):
    proc, port, home = start_server(tmp_path, "--host", "0.0.0.0")
    try:
        token = json.loads((home / "server.json").read_text())["token"]
        log = (tmp_path / "serve.log").read_text()
        assert token and f"?token={token}" in log and "needs the token" in log
        assert request("GET", port, "/api/health")[0] == 403
        assert request("GET", port, "/api/health", token="wrong")[0] == 403
        assert request("GET", port, "/api/health", token=token)[0] == 200
        # a page load with ?token= sets a cookie that later requests carry
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/?token={token}", timeout=30) as response:
            cookie = response.headers["set-cookie"].split(";")[0]
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/health", headers={"Cookie": cookie})
        assert urllib.request.urlopen(req, timeout=30).status == 200
        # the CLI finds the token in server.json and answers through the server
        env = dict(os.environ, STUDY_HOME=str(home), STUDY_MODEL="hash:256")
        out = subprocess.run([sys.executable, "-m", "app", "ask", "--json", "platypus queue"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0 and "fourteen days" in out.stdout
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.slow  # two servers of its own
def test_port_in_use_is_one_line_and_sigterm_leaves_no_marker(tmp_path):
    proc, port, home = start_server(tmp_path / "a")
    try:
        env = dict(os.environ, STUDY_HOME=str(tmp_path / "b-home"), STUDY_NOTES=str(tmp_path / "a" / "notes"),
                   STUDY_MODEL="hash:256")
        out = subprocess.run([sys.executable, "-m", "app", "serve", "--port", str(port), "--no-watch"], cwd=tmp_path,
                             env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 1
        assert out.stderr.strip().count("\n") == 0 and f"{port}" in out.stderr and "--port" in out.stderr
        assert "serving on" not in out.stdout + out.stderr and "Traceback" not in out.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert not (home / "server.json").exists()


CHROMIUM = "/usr/bin/chromium"
ATTACK = """<!doctype html><title>free exam answers</title><script>
async function attack() {
  const out = {};
  try { const r = await fetch('/api/search', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                             body: JSON.stringify({query: 'platypus queue'})});
        out.read = r.status + ' ' + await r.text(); } catch (e) { out.read = 'error ' + e; }
  try { const form = new FormData();
        form.append('files', new Blob(['owned'], {type: 'text/markdown'}), 'queues.md');
        const up = await fetch('/gradio_api/upload', {method: 'POST', body: form});
        const paths = up.ok ? await up.json() : [];
        out.upload = String(up.status);
        if (up.ok) {
          const call = await fetch('/gradio_api/call/upload', {method: 'POST', headers: {'Content-Type': 'application/json'},
            body: JSON.stringify({data: [[{path: paths[0], orig_name: 'queues.md', meta: {_type: 'gradio.FileData'}}], true]})});
          const id = (await call.json()).event_id;
          out.write = await (await fetch('/gradio_api/call/upload/' + id)).text();
        }
  } catch (e) { out.upload = 'error ' + e; }
  document.title = 'done';
  window.result = out;
}
attack();
</script>"""


@pytest.mark.browser
def test_a_rebound_page_can_neither_read_nor_overwrite_notes(tmp_path):
    """DNS rebinding: a page on evil.test whose name now resolves to 127.0.0.1 talks to the server as if same-origin."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium is not installed (make test installs it when run as root)")
    from playwright.sync_api import sync_playwright

    # A server of its own: the control below really overwrites its note.
    proc, port, _ = start_server(tmp_path)
    note = tmp_path / "notes" / "queues.md"
    try:
        _rebinding_attack(port, note, sync_playwright)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _rebinding_attack(port: int, note: Path, sync_playwright) -> None:
    def run_attack(name: str) -> dict:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", f"--host-resolver-rules=MAP {name} 127.0.0.1",
                # Chromium's own private-network checks would block the page before it reaches us; an attacker
                # can get round them, so switch them off and test what the server itself refuses.
                "--disable-features=BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights,"
                "PrivateNetworkAccessRespectPreflightResults,LocalNetworkAccessChecks"])
            page = browser.new_page()
            # The attacker's page was served before the name was rebound; every later request reaches us.
            page.route(f"http://{name}:{port}/attack", lambda route: route.fulfill(body=ATTACK, content_type="text/html"))
            page.goto(f"http://{name}:{port}/attack")
            page.wait_for_function("document.title === 'done'", timeout=60_000)
            result = page.evaluate("window.result")
            browser.close()
            return result

    result = run_attack("evil.test")
    assert result["read"].startswith("403") and "fourteen" not in result["read"]
    assert result["upload"] == "403" and "write" not in result
    assert note.read_text() == NOTE
    # Control: the same page on our own address does read (so the test above can fail).
    result = run_attack("localhost")
    assert result["read"].startswith("200") and "fourteen days" in result["read"]
    assert "saved queues.md" in result.get("write", "") and note.read_text() == "owned"


def test_api_ask_takes_the_conversation_so_far(served):
    port, _ = served
    status, text = request("POST", port, "/api/ask", {"question": "how long?", "history": ["What does the platypus queue keep?"]})
    reply = json.loads(text)["json"]
    assert status == 200 and reply["searched_as"] == "What does the platypus queue keep? how long?"
    assert "fourteen days" in reply["passages"][0]["text"]
    status, text = request("POST", port, "/api/ask", {"question": "how long?"})
    assert "searched_as" not in json.loads(text)["json"]
