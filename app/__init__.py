"""study's user-facing layer: the answer (answer.py), the library every face shares (service.py), and the faces:
the CLI (cli.py), the server and its API (server.py), the web page (web.py), and review mode (review/)."""
