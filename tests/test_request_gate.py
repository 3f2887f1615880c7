"""The request gate over a real socket: anonymous uploads cost nothing, idle uploads time out.

Found from outside (issue 11): a server that buffers a body (up to the 32 MiB limit) before it
authenticates the request, with no read timeout, lets ten never-finished chunked uploads with no
Authorization header hold hundreds of megabytes.
"""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path

import httpx

from testing_support.live import LiveServer, live_server
from testing_support.signing import SendGridSigner

UPLOADS = 6
CHUNK = 1024 * 1024
CHUNKS_EACH = 20
"""20 MiB per upload, under the 32 MiB body limit: a server that buffered bodies before
authenticating them would hold all of it."""


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def open_upload(server: LiveServer, headers: str = "") -> socket.socket:
    host, port = server.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=5)
    sock.sendall(
        b"POST /campaigns/cmp_x/contacts HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
        + headers.encode()
        + b"\r\n"
    )
    return sock


def send_chunks(sock: socket.socket, n: int) -> int:
    """Send up to n chunks; how many went out before the server closed the connection."""
    chunk = b"%x\r\n%s\r\n" % (CHUNK, b" " * CHUNK)
    for sent in range(n):
        try:
            sock.sendall(chunk)
        except OSError:
            return sent
    return n


def read_reply(sock: socket.socket, timeout: float) -> bytes:
    """The whole reply: head and body may arrive in separate segments, so read until the
    declared content-length is in, the server closes, or the timeout passes."""
    sock.settimeout(timeout)
    deadline = time.monotonic() + timeout
    reply = b""
    while time.monotonic() < deadline:
        try:
            part = sock.recv(65536)
        except OSError:
            break
        if not part:
            break
        reply += part
        head, sep, body = reply.partition(b"\r\n\r\n")
        length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        if sep and length and len(body) >= int(length.group(1)):
            break
    return reply


def test_anonymous_never_finished_uploads_do_not_grow_the_server(tmp_path: Path) -> None:
    with live_server(tmp_path / "data") as server:
        before = rss_bytes(server.process.pid)
        uploads = [open_upload(server) for _ in range(UPLOADS)]
        try:
            for sock in uploads:
                send_chunks(sock, CHUNKS_EACH)
            time.sleep(0.5)
            grown = rss_bytes(server.process.pid) - before
            replies = [read_reply(sock, 2.0) for sock in uploads]
        finally:
            for sock in uploads:
                sock.close()
    print(f"RSS growth with {UPLOADS} anonymous {CHUNKS_EACH} MiB uploads: {grown / 2**20:.1f} MiB")
    assert all(r.startswith(b"HTTP/1.1 401") for r in replies), replies
    assert all(
        b"www-authenticate: Bearer" in r.lower().replace(b"bearer", b"Bearer") for r in replies
    )
    assert grown < 24 * 2**20, f"the server grew by {grown / 2**20:.1f} MiB"


def test_an_authenticated_upload_that_goes_quiet_gets_408(tmp_path: Path) -> None:
    with live_server(tmp_path / "data", extra_env={"BURT_BODY_READ_TIMEOUT": "1"}) as server:
        key = server.create_key("acme")
        sock = open_upload(server, f"Authorization: Bearer {key}\r\n")
        try:
            sock.sendall(b'5\r\n{"con\r\n')  # part of a body, then nothing
            started = time.monotonic()
            reply = read_reply(sock, 15.0)
            waited = time.monotonic() - started
        finally:
            sock.close()
    assert reply.startswith(b"HTTP/1.1 408"), reply
    assert b"no part of the request body arrived for 1 seconds" in reply
    assert 0.5 < waited < 10, waited


def test_a_static_file_outside_the_spec_leaves_the_server_answering(tmp_path: Path) -> None:
    """A streamed file (Swagger UI's assets) listens for a disconnect on the body channel the
    gate hands on; a channel that answered every call at once would spin that listener without
    yielding and stop the whole server."""
    with live_server(tmp_path) as server:
        assert httpx.get(f"{server.url}/ui/swagger-ui.css", timeout=10).status_code == 200
        assert httpx.get(f"{server.url}/healthz", timeout=10).status_code == 200


def open_delivery(server: LiveServer, path: str) -> socket.socket:
    """A chunked webhook delivery with its headers sent and no body yet."""
    host, port = server.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=5)
    sock.sendall(
        b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" % path.encode()
    )
    return sock


def test_a_delivery_to_an_unknown_receiver_is_refused_before_its_body(tmp_path: Path) -> None:
    """Issue 20, item 3: 8 x 50 MB chunked to an unknown SendGrid id grew the server by 237 MiB,
    and an unknown Mailgun id answered 404 only after every byte was read."""
    paths = ["/webhooks/sendgrid/wh_nonexistent", "/webhooks/mailgun/wh_nonexistent"] * 4
    with live_server(tmp_path / "data") as server:
        before = rss_bytes(server.process.pid)
        uploads = [open_delivery(server, path) for path in paths]
        try:
            early = [read_reply(sock, 5.0) for sock in uploads]  # no body byte sent yet
            for sock in uploads:
                send_chunks(sock, CHUNKS_EACH)
            time.sleep(0.5)
            grown = rss_bytes(server.process.pid) - before
        finally:
            for sock in uploads:
                sock.close()
    print(f"RSS growth with {len(paths)} deliveries to unknown receivers: {grown / 2**20:.1f} MiB")
    assert all(r.startswith(b"HTTP/1.1 404") for r in early), early
    assert all(b"connection: close" in r.lower() for r in early), early
    assert all(b"webhook receiver 'wh_nonexistent'" in r for r in early), early
    assert grown < 24 * 2**20, f"the server grew by {grown / 2**20:.1f} MiB"


def test_a_delivery_is_capped_at_what_the_platforms_send(tmp_path: Path) -> None:
    extra = {"BURT_WEBHOOK_MAX_BODY_BYTES": str(2 * CHUNK)}
    with live_server(tmp_path / "data", extra_env=extra) as server:
        key = server.create_key("acme")
        registered = httpx.post(
            f"{server.url}/webhooks",
            json={"provider": "sendgrid", "verification_key": SendGridSigner().verification_key},
            headers={"Authorization": f"Bearer {key}"},
            timeout=10,
        )
        assert registered.status_code == 201, registered.text
        path = f"/webhooks/sendgrid/{registered.json()['id']}"
        before = rss_bytes(server.process.pid)
        uploads = [open_delivery(server, path) for _ in range(UPLOADS)]
        try:
            sent = [send_chunks(sock, CHUNKS_EACH) for sock in uploads]
            replies = [read_reply(sock, 5.0) for sock in uploads]
            grown = rss_bytes(server.process.pid) - before
        finally:
            for sock in uploads:
                sock.close()
        declared = httpx.post(
            f"{server.url}{path}",
            content=b" " * (2 * CHUNK + 1),
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
    print(f"RSS growth with {UPLOADS} oversized deliveries: {grown / 2**20:.1f} MiB, sent {sent}")
    assert all(r.startswith(b"HTTP/1.1 413") for r in replies), replies
    assert all(b"request body exceeds 2097152 bytes" in r for r in replies), replies
    assert declared.status_code == 413
    assert grown < 24 * 2**20, f"the server grew by {grown / 2**20:.1f} MiB"
