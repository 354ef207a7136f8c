"""End-to-end test of a desktop image: the remote desktop is really reachable.

Runs the image named by ``BAKE_E2E_IMAGE`` (an app image built from
dockerfiles/, by default the firefox one) on a free loopback port, with no
password configured, waits for the container HEALTHCHECK to report healthy,
checks with ``xdotool`` that the app's window exists on the X display, reads
the password the image generated from its log, opens the noVNC page with it in
the host's headless Chromium and checks the screenshot really shows a remote
screen (not a blank page). Without the password, or with a wrong one, the same
page must show no desktop; the password must not appear in the process list or
the image's configuration; ``VNC_NO_PASSWORD=1`` must turn authentication off.
The screenshots are kept in ``$BAKE_ARTIFACTS`` (default ``tests/artifacts/``).
The containers are always removed.

Environment:
  BAKE_E2E_IMAGE         image reference (default: build and test the reference firefox)
  BAKE_E2E_WINDOW_CLASS  X window class to look for (default: firefox)
  BAKE_E2E_TIMEOUT       seconds to wait for healthy / the window (default: 180)
  BAKE_E2E_SETTLE        seconds noVNC gets to connect before the screenshot (default: 8)
  BAKE_ARTIFACTS         directory for the screenshot (default: tests/artifacts)
  CHROMIUM               host browser binary (default: chromium)
"""

from __future__ import annotations

import html
import http.server
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
import urllib.parse
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Self

import pytest

from tests.ci import unavailable

pytestmark = [pytest.mark.docker, pytest.mark.e2e]

IMAGE = os.environ.get("BAKE_E2E_IMAGE", "")
WINDOW_CLASS = os.environ.get("BAKE_E2E_WINDOW_CLASS", "firefox")
TIMEOUT = float(os.environ.get("BAKE_E2E_TIMEOUT", "180"))
# Seconds noVNC gets to connect and draw before the screenshot.
SETTLE = float(os.environ.get("BAKE_E2E_SETTLE", "8"))
ARTIFACTS = Path(
    os.environ.get("BAKE_ARTIFACTS") or Path(__file__).resolve().parents[1] / "artifacts"
)

# noVNC (Debian's 1.3.0): vnc.html connects by itself with autoconnect=true;
# resize=scale fits the remote screen into the browser window; password= answers
# the VNC authentication.
NOVNC_PATH = "/vnc.html?autoconnect=true&resize=scale"
# What start-x11vnc prints once when it generated the password.
GENERATED = re.compile(r"the desktop's password is: (\S+)")
# RFB security types (RFC 6143 7.1.2): 1 = None, 2 = VNC Authentication.
RFB_SECURITY_TYPES = """
import socket
sock = socket.create_connection(("127.0.0.1", 5900), timeout=5)
sock.recv(12)
sock.sendall(b"RFB 003.008\\n")
count = sock.recv(1)[0]
print(sorted(sock.recv(count)))
"""

# Host headless Chromium, run as root on a machine without outside network.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1280,800",
]


def _unavailable(reason: str) -> None:
    """Skip locally; in CI a missing prerequisite is a failure (the rule of tests/ci.py)."""
    unavailable(reason)


def _docker(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["docker", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def e2e_image(request: pytest.FixtureRequest) -> str:
    """The image under test: ``BAKE_E2E_IMAGE``, else the reference firefox image, built
    and smoke-tested for this machine's platform by the session fixture ``native_firefox``
    (what is tested here does not depend on the platform). (A missing Docker daemon is
    handled by tests/conftest.py.)"""
    if IMAGE:
        return IMAGE
    ref, outcomes = request.getfixturevalue("native_firefox")
    assert outcomes and all(o.passed for o in outcomes), [o for o in outcomes if not o.passed]
    return ref


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _state(container: str) -> tuple[str, str]:
    out = _docker(
        "inspect",
        "--format",
        "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}",
        container,
        check=False,
    ).stdout.split()
    return (out[0], out[1]) if len(out) == 2 else ("gone", "none")


def _logs(container: str) -> str:
    res = _docker("logs", "--tail", "200", container, check=False)
    return (res.stdout + res.stderr)[-8000:]


def _wait_healthy(container: str, deadline: float) -> None:
    while True:
        status, health = _state(container)
        if health == "healthy":
            return
        if status != "running":
            pytest.fail(f"container is {status}\n{_logs(container)}")
        if health == "none":
            pytest.fail(f"image {IMAGE} has no HEALTHCHECK")
        if time.monotonic() > deadline:
            pytest.fail(f"container not healthy after {TIMEOUT}s ({health})\n{_logs(container)}")
        time.sleep(2)


def _wait_window(container: str, deadline: float) -> list[str]:
    while True:
        res = _docker("exec", container, "xdotool", "search", "--class", WINDOW_CLASS, check=False)
        ids = res.stdout.split()
        if res.returncode == 0 and ids:
            return ids
        if time.monotonic() > deadline:
            pytest.fail(
                f"no X window of class {WINDOW_CLASS!r} after {TIMEOUT}s "
                f"(xdotool rc={res.returncode}: {res.stderr.strip()})\n{_logs(container)}"
            )
        time.sleep(2)


# ---------------------------------------------------------------- PNG check


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Minimal PNG decoder (8-bit RGB/RGBA/grey, non-interlaced).

    Returns (width, height, rows) where each row holds ``width`` pixels of
    ``channels`` bytes each.
    """
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat, header = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError("PNG without IHDR")
    width, height, depth, colour, _, _, interlace = header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"unsupported PNG (depth={depth}, colour={colour}, interlace={interlace})")
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        ftype = raw[start]
        line = bytearray(raw[start + 1 : start + 1 + stride])
        if ftype == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif ftype == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 0xFF
        elif ftype == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif ftype == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = prev[i]
                c = prev[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        elif ftype != 0:
            raise ValueError(f"bad PNG filter type {ftype}")
        rows.append(bytes(line))
        prev = line
    return width, height, rows


def png_stats(path: Path) -> dict[str, float]:
    """Numbers that tell a rendered remote desktop from a blank/unconnected page.

    distinct: number of distinct colours; dominant: share of the most common
    colour; foreign: share of pixels that differ (by more than 16 in a
    channel) from the top-left pixel, which is noVNC's own background when
    the remote screen is scaled into a window of another aspect ratio; ui:
    share of dark grey pixels (noVNC's own page: #313131, #494949, #282828,
    and #141414 behind its password dialog).
    """
    width, height, rows = decode_png(path.read_bytes())
    channels = len(rows[0]) // width
    counts: dict[bytes, int] = {}
    corner = rows[0][:3] if channels >= 3 else rows[0][:1] * 3
    foreign = ui = 0
    for row in rows:
        for x in range(0, width * channels, channels):
            px = row[x : x + 3] if channels >= 3 else row[x : x + 1] * 3
            counts[px] = counts.get(px, 0) + 1
            if max(abs(px[i] - corner[i]) for i in range(3)) > 16:
                foreign += 1
            if max(px) <= 0x50 and max(px) - min(px) <= 6:
                ui += 1
    total = width * height
    return {
        "width": width,
        "height": height,
        "distinct": len(counts),
        "dominant": max(counts.values()) / total,
        "foreign": foreign / total,
        "ui": ui / total,
    }


def looks_like_remote_desktop(stats: dict[str, float]) -> bool:
    # Measured: the noVNC page before it connects is 97-99 % one dark colour
    # (foreign < 1 %); connected with Firefox, Chromium or VLC on screen:
    # dominant 0.77-0.81, foreign ~0.90, thousands of colours, ui ~0.10 (the
    # bars around the 16:9 screen). Rejected with "password check failed", the
    # page is noVNC's own (ui 0.91, but foreign 0.96: its red banner is the
    # corner); asking for the password, ui 0.97.
    return (
        stats["distinct"] >= 64
        and stats["dominant"] < 0.9
        and stats["foreign"] > 0.5
        and stats["ui"] < 0.5
    )


class _WrapperServer:
    """Loopback HTTP server for the page that headless Chromium screenshots.

    ``chromium --screenshot`` shoots as soon as the page's load event fires,
    before noVNC has opened its WebSocket and drawn the remote screen
    (``--virtual-time-budget`` does not help: virtual time races past the
    real network). So Chromium loads a wrapper page holding noVNC in a
    full-window iframe plus an image that this server answers only after
    ``settle`` seconds; that delays the load event, and the screenshot,
    until the remote desktop is on screen.
    """

    def __init__(self, target: str, settle: float) -> None:
        page = (
            "<!doctype html><html><body style='margin:0;overflow:hidden;background:#000'>"
            f"<iframe src='{html.escape(target)}' style='border:0;width:100vw;height:100vh;display:block'>"
            "</iframe><img src='/settle' style='display:none' alt=''></body></html>"
        ).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/settle":
                    time.sleep(settle)
                    body, ctype = b"GIF89a", "image/gif"
                else:
                    body, ctype = page, "text/html; charset=utf-8"
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _screenshot(port: int, out: Path, password: str | None) -> subprocess.CompletedProcess:
    chromium = (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if not chromium:
        _unavailable("host Chromium not installed (apt-get install -y chromium)")
    query = f"&password={urllib.parse.quote(password)}" if password is not None else ""
    target = f"http://127.0.0.1:{port}{NOVNC_PATH}{query}"
    with (
        _WrapperServer(target, SETTLE) as wrapper,
        tempfile.TemporaryDirectory(prefix="e2e-chromium-") as profile,
    ):
        return subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--screenshot={out}",
                wrapper.url,
            ],
            check=False,
            capture_output=True,
            text=True,
            timeout=120 + SETTLE,
        )


# -------------------------------------------------------------------- test


def _start(image: str, *env: str) -> tuple[str, int]:
    """``docker run -d`` the image on a free loopback port; the container's name and port."""
    port = _free_loopback_port()
    name = f"bake-e2e-{os.getpid()}-{port}"
    started = _docker(
        "run",
        "-d",
        "--name",
        name,
        "-p",
        f"127.0.0.1:{port}:8080",
        "--shm-size=1g",
        *(arg for pair in env for arg in ("-e", pair)),
        image,
        timeout=300,
        check=False,
    )
    assert started.returncode == 0, f"docker run failed: {started.stderr.strip()}"
    return name, port


def _remove(name: str, log: str) -> None:
    if _state(name)[0] != "gone":
        (ARTIFACTS / log).write_text(_logs(name))
    _docker("rm", "-f", name, check=False)


def _security_types(container: str) -> str:
    res = _docker("exec", "-i", container, "python3", "-c", RFB_SECURITY_TYPES, check=False)
    assert res.returncode == 0, res.stderr
    return res.stdout.strip()


def _desktop_shot(port: int, shot: Path, password: str | None, attempts: int) -> dict[str, float]:
    """Screenshot noVNC (logging in with ``password``); retried while it shows no desktop."""
    best: dict[str, float] = {}
    for attempt in range(attempts):
        shot.unlink(missing_ok=True)
        res = _screenshot(port, shot, password)
        assert shot.exists(), f"Chromium made no screenshot:\n{res.stdout}\n{res.stderr}"
        best = png_stats(shot)
        if looks_like_remote_desktop(best) or attempt == attempts - 1:
            return best
        time.sleep(5)
    return best


@pytest.fixture(scope="module")
def desktop(e2e_image: str) -> Iterator[tuple[str, int, str]]:
    """The image running with no password configured, healthy, its app window up:
    (container, port, the password it generated and printed)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name, port = _start(e2e_image)
    try:
        deadline = time.monotonic() + TIMEOUT
        _wait_healthy(name, deadline)
        windows = _wait_window(name, deadline)
        assert windows, f"no {WINDOW_CLASS} window"
        found = GENERATED.findall(_logs(name))
        assert len(found) == 1, f"expected the generated password once in the log:\n{_logs(name)}"
        # Give the app a moment to paint its first frame.
        time.sleep(5)
        yield name, port, found[0]
    finally:
        _remove(name, "desktop-e2e-container.log")


def test_desktop_reachable_through_novnc_with_the_generated_password(
    e2e_image: str, desktop: tuple[str, int, str]
) -> None:
    name, port, password = desktop
    shot = ARTIFACTS / "desktop-e2e.png"
    best = _desktop_shot(port, shot, password, attempts=3)
    (ARTIFACTS / "desktop-e2e.txt").write_text(f"image={e2e_image}\nstats={best}\n")
    # A blank or failed page is one flat colour; the unconnected noVNC
    # page is almost all its dark background.
    assert best["distinct"] >= 64, f"screenshot looks blank: {best} ({shot})"
    assert best["dominant"] < 0.9, f"screenshot is mostly one colour: {best} ({shot})"
    assert best["foreign"] > 0.5, f"remote screen not shown in noVNC: {best} ({shot})"
    assert best["ui"] < 0.5, f"noVNC shows its own page, not the desktop: {best} ({shot})"
    # websockify proxied a WebSocket to x11vnc: noVNC really connected.
    logs = _logs(name)
    assert "connecting to: 127.0.0.1:5900" in logs, logs


@pytest.mark.parametrize("password", [None, "wrong-pw"], ids=["no-password", "wrong-password"])
def test_no_desktop_without_the_right_password(
    desktop: tuple[str, int, str], password: str | None
) -> None:
    name, port, generated = desktop
    assert password != generated
    assert _security_types(name) == "[2]"  # x11vnc asks every client for a password
    shot = ARTIFACTS / f"desktop-e2e-{'none' if password is None else 'wrong'}-password.png"
    stats = _desktop_shot(port, shot, password, attempts=1)
    assert not looks_like_remote_desktop(stats), f"desktop shown without the password: {shot}"


def test_the_password_is_in_no_process_list_and_no_image_layer(
    e2e_image: str, desktop: tuple[str, int, str]
) -> None:
    name, _, password = desktop
    processes = _docker("exec", name, "ps", "-eo", "args").stdout
    assert "x11vnc" in processes and password not in processes
    assert "-passwd " not in processes and "-storepasswd" not in processes
    config = _docker("image", "inspect", "--format", "{{json .Config.Env}}", e2e_image).stdout
    assert "VNC_PASSWORD" not in config
    # The file x11vnc read the password from is gone (-passwdfile rm:…).
    left = _docker("exec", name, "ls", "-A", "/home/neko/.vnc").stdout.split()
    assert left == ["generated-password"]


def test_vnc_no_password_opts_out_of_authentication(e2e_image: str) -> None:
    name, _ = _start(e2e_image, "VNC_NO_PASSWORD=1")
    try:
        _wait_healthy(name, time.monotonic() + TIMEOUT)
        assert _security_types(name) == "[1]"
        logs = _logs(name)
        assert "WITHOUT a password" in logs and not GENERATED.search(logs)
    finally:
        _remove(name, "desktop-e2e-no-password.log")
