"""Fixtures for the smoke tests: a real `weir server` driven by boto3 and the AWS CLI.

The server binary is the one cargo builds (`target/debug/weir`, or `$WEIR_BIN`);
each test gets its own server on a free loopback port with a fresh data dir and
a known test key pair, so tests see exactly the applications they create.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent

ACCESS_KEY_ID = "AKIAWEIRSMOKETEST000"
SECRET_ACCESS_KEY = "weir-smoke-test-secret-key-0123456789abcd"
REGION = "us-east-1"
ACCOUNT_ID = "000000000000"

READY_LINE = re.compile(r"weir listening on (http://\S+)")
STARTUP_TIMEOUT_S = 30.0

# Variables that would make boto3/the CLI or the server look somewhere other
# than where the test points them.
_FOREIGN_ENV = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_KINESISANALYTICSV2",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "WEIR_LISTEN",
    "WEIR_DATA_DIR",
    "WEIR_ACCOUNT_ID",
    "WEIR_ACCESS_KEY_ID",
    "WEIR_SECRET_ACCESS_KEY",
    "WEIR_REGION",
)


def pytest_configure(config):
    for name in _FOREIGN_ENV:
        os.environ.pop(name, None)
    # No ~/.aws files; loopback never goes through a proxy.
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    no_proxy = [p for p in os.environ.get("NO_PROXY", "").split(",") if p]
    for host in ("127.0.0.1", "localhost"):
        if host not in no_proxy:
            no_proxy.append(host)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = ",".join(no_proxy)


@pytest.fixture(scope="session")
def weir_bin() -> Path:
    """The weir binary; built (incrementally, so usually a no-op) unless $WEIR_BIN names one."""
    explicit = os.environ.get("WEIR_BIN")
    if explicit:
        path = Path(explicit).resolve()
        if not path.is_file():
            pytest.fail(f"WEIR_BIN={explicit} does not exist")
        return path
    build = subprocess.run(
        ["cargo", "build", "-q", "--bin", "weir"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    if build.returncode != 0:
        pytest.fail(f"cargo build --bin weir failed:\n{build.stderr[-4000:]}")
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO_ROOT / "target"))
    if not target.is_absolute():
        target = REPO_ROOT / target
    path = target / "debug" / "weir"
    if not path.is_file():
        pytest.fail(f"cargo build succeeded but {path} is missing")
    return path


@dataclass
class WeirServer:
    endpoint: str
    data_dir: Path
    process: subprocess.Popen
    output: list[str] = field(default_factory=list)
    stderr_path: Path | None = None

    access_key_id: str = ACCESS_KEY_ID
    secret_access_key: str = SECRET_ACCESS_KEY
    region: str = REGION
    account_id: str = ACCOUNT_ID

    def client(self, access_key_id: str | None = None, secret_access_key: str | None = None):
        """A boto3 kinesisanalyticsv2 client pointed at this server (no retries)."""
        return boto3.session.Session().client(
            "kinesisanalyticsv2",
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=access_key_id or self.access_key_id,
            aws_secret_access_key=secret_access_key or self.secret_access_key,
            config=Config(
                retries={"max_attempts": 1, "mode": "standard"},
                connect_timeout=5,
                read_timeout=30,
            ),
        )

    def aws(self, *args: str, check: bool = True, service: str = "kinesisanalyticsv2") -> "CliResult":
        """Runs `.venv/bin/aws SERVICE ARGS` (kinesisanalyticsv2 unless said) against this server."""
        env = dict(os.environ)
        env.update(
            AWS_ACCESS_KEY_ID=self.access_key_id,
            AWS_SECRET_ACCESS_KEY=self.secret_access_key,
            AWS_DEFAULT_REGION=self.region,
            AWS_MAX_ATTEMPTS="1",
            AWS_PAGER="",
        )
        cmd = [
            str(aws_cli()),
            service,
            *args,
            "--endpoint-url",
            self.endpoint,
            "--region",
            self.region,
            "--output",
            "json",
        ]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        result = CliResult(cmd, proc.returncode, proc.stdout, proc.stderr)
        if check and proc.returncode != 0:
            pytest.fail(f"{result}")
        return result

    def logs(self) -> str:
        text = "".join(self.output)
        if self.stderr_path and self.stderr_path.exists():
            text += self.stderr_path.read_text(errors="replace")
        return text


@dataclass
class CliResult:
    cmd: list[str]
    returncode: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout) if self.stdout.strip() else None

    def __str__(self) -> str:
        return (
            f"$ {' '.join(self.cmd)}\nexit code {self.returncode}\n"
            f"--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"
        )


def aws_cli() -> Path:
    cli = VENV_BIN / "aws"
    if not cli.exists():
        found = shutil.which("aws")
        if not found:
            pytest.fail("the AWS CLI is not installed; run scripts/setup-test-env.sh")
        cli = Path(found)
    return cli


@pytest.fixture
def weir(weir_bin: Path, tmp_path: Path):
    """A running `weir server` on 127.0.0.1:<free port> with its own data dir."""
    data_dir = tmp_path / "weir-data"
    data_dir.mkdir()
    stderr_path = tmp_path / "weir.stderr"
    env = dict(os.environ)
    env.update(
        WEIR_ACCESS_KEY_ID=ACCESS_KEY_ID,
        WEIR_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY,
        WEIR_REGION=REGION,
        RUST_BACKTRACE="1",
    )
    with open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(
            [str(weir_bin), "server", "--listen", "127.0.0.1:0", "--data-dir", str(data_dir)],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            start_new_session=True,  # its own process group, killed whole at teardown
        )
    server = WeirServer(
        endpoint="", data_dir=data_dir, process=process, stderr_path=stderr_path
    )
    try:
        server.endpoint = _wait_until_listening(server)
        _wait_until_healthy(server)
        yield server
    finally:
        _stop(process)


def _wait_until_listening(server: WeirServer) -> str:
    """Reads stdout until the ready line; a thread keeps draining it afterwards."""
    found: dict[str, str] = {}
    ready = threading.Event()

    def pump():
        assert server.process.stdout is not None
        for raw in server.process.stdout:
            line = raw.decode(errors="replace")
            server.output.append(line)
            match = READY_LINE.search(line)
            if match and not ready.is_set():
                found["endpoint"] = match.group(1).rstrip("/")
                ready.set()
        ready.set()  # EOF: the server exited

    threading.Thread(target=pump, name="weir-stdout", daemon=True).start()
    if not ready.wait(STARTUP_TIMEOUT_S) or "endpoint" not in found:
        code = server.process.poll()
        if code is None:
            why = f"did not print 'weir listening on http://…' within {STARTUP_TIMEOUT_S:.0f}s"
        else:
            why = f"exited with code {code} before printing 'weir listening on http://…'"
        pytest.fail(f"weir server {why}; output:\n{server.logs()[-4000:]}")
    return found["endpoint"]


def _wait_until_healthy(server: WeirServer) -> None:
    deadline = time.monotonic() + 10
    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(server.endpoint + "/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return
                last = f"HTTP {resp.status}"
        except Exception as exc:  # noqa: BLE001 - reported below
            last = repr(exc)
        time.sleep(0.05)
    pytest.fail(f"GET {server.endpoint}/healthz never answered 200 (last: {last})")


def _stop(process: subprocess.Popen) -> None:
    try:
        pgid = os.getpgid(process.pid)
    except ProcessLookupError:
        pgid = None
    if pgid is not None:
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    if pgid is not None:
        try:
            os.killpg(pgid, signal.SIGKILL)  # whatever is left of the group
        except ProcessLookupError:
            pass
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass

