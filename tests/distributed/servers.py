"""Real servers for the distributed tests, started on loopback on ports chosen here, with their data
under the test's tmp_path, and stopped by the fixture that started them: Debian's PostgreSQL and
Redis, and Celery worker processes (``.ci/run`` installs the servers when they are missing)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.settings import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


def missing_servers() -> list[str]:
    missing = [] if postgres_bin() else ["postgresql"]
    return missing + ([] if shutil.which("redis-server") else ["redis-server"])


def _as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root (CI), run it as Debian's postgres user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _wait_for_port(port: int, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


@dataclass
class Postgres:
    root: Path
    port: int = field(default_factory=free_port)

    def start(self) -> Postgres:
        binaries = postgres_bin()
        self.root.mkdir(parents=True)
        if os.geteuid() == 0:
            # The server user must reach its data dir: let it traverse tmp_path's parents (no listing).
            for parent in [self.root, *self.root.parents]:
                if parent == Path("/tmp") or parent == Path("/"):
                    break
                parent.chmod(parent.stat().st_mode | 0o001)
            shutil.chown(self.root, "postgres", "postgres")
        data = self.root / "data"
        subprocess.run(
            _as_server_user([str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]),
            check=True,
            capture_output=True,
        )
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        subprocess.run(
            _as_server_user(
                [str(binaries / "pg_ctl"), "-D", str(data), "-l", str(self.root / "server.log"), "-w"]
                + ["-t", "30", "-o", options, "start"]
            ),
            check=True,
            capture_output=True,
        )
        return self

    def create_database(self, name: str) -> None:
        import psycopg2  # brought by dagster-postgres

        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'create database "{name}"')
        connection.close()

    def stop(self) -> None:
        subprocess.run(
            _as_server_user([str(postgres_bin() / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast"])
            + ["-w", "stop"],
            capture_output=True,
        )


@dataclass
class Redis:
    root: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def start(self) -> Redis:
        self.root.mkdir(parents=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.root), "--logfile", str(self.root / "redis.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_port(self.port, "redis-server")
        return self

    def url(self, database: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


@dataclass
class CeleryWorker:
    """One Celery worker as docs/deployment.md starts it (``celery -A pipeline.celery_app worker``,
    broker and backend from its environment), one task at a time."""

    name: str
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> CeleryWorker:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "pipeline.celery_app", "worker", "-n", f"{self.name}@%h"]
            + ["--concurrency=1", "--without-gossip", "--without-mingle", "-l", "INFO"],
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while "ready." not in self.log.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = self.log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"celery worker {self.name} did not start:\n{log}")
            time.sleep(0.2)
        return self

    def kill(self) -> None:
        """SIGKILL the worker and the child running its task, as a machine failure would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """Celery's cold shutdown (SIGQUIT): its tasks are done by then; a warm one waits seconds."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGQUIT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def deployment_environment(home: Path, postgres: Postgres, database: str, redis: Redis) -> dict[str, str]:
    """A Dagster home holding deploy/dagster.yaml as shipped, a new database for it, and the variables
    that file and the workers read (deploy/environment.example), pointed at these servers."""
    postgres.create_database(database)
    home.mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    return {
        "DAGSTER_HOME": str(home),
        "DAGSTER_COMPUTE_LOG_DIR": str(home / "compute_logs"),
        "DAGSTER_PG_HOST": "127.0.0.1",
        "DAGSTER_PG_PORT": str(postgres.port),
        "DAGSTER_PG_USER": "postgres",
        "DAGSTER_PG_PASSWORD": "",
        "DAGSTER_PG_DB": database,
        "PIPELINE_CELERY_BROKER": redis.url(0),
        "PIPELINE_CELERY_BACKEND": redis.url(1),
    }
