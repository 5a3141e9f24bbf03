"""Real servers for the distributed tests, started on loopback on ports chosen here, with their data
under the test's tmp_path, and stopped by the fixture that started them: Debian's PostgreSQL and
Redis, and Celery worker processes (``.ci/run`` installs the servers when they are missing); and a
deployment driven from outside as an operator would (the tests and benchmarks/deployment.py)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.months import shift_month
from pipeline.resources import PERSON_MONTHS_POOL
from pipeline.runner import month_range_tags
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
    """A Dagster home holding deploy/dagster.yaml as shipped, a new database for it, another for the
    lake's catalog (the working database), and the variables that file and the workers read
    (deploy/environment.example), pointed at these servers."""
    postgres.create_database(database)
    postgres.create_database(f"lake_{database}")
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
        "PIPELINE_LAKE_CATALOG": f"postgres:dbname=lake_{database} host=127.0.0.1 port={postgres.port} "
        "user=postgres",
    }


@dataclass
class Deployment:
    """deploy/dagster.yaml as shipped, its variables set as a service manager would
    (:func:`deployment_environment`), a data dir, and Celery workers: what an operator does with it,
    from outside (``dagster job launch``, ``dagster-daemon``, tests/distributed/probes.py)."""

    data_dir: Path
    env: dict[str, str]
    workers: list[CeleryWorker]
    workspace: list[str] = field(default_factory=lambda: list(WORKSPACE))

    def launch(self, job: str, tags: dict[str, str]) -> str:
        """Queue a run of ``job``, as the UI or a backfill would; returns its id."""
        return self.launch_all(job, [tags])[0]

    def launch_all(self, job: str, tags: list[dict[str, str]], at_once: int = 4) -> list[str]:
        """Queue one run of ``job`` per tag set, ``at_once`` ``dagster job launch`` at a time (each
        takes seconds to load the workspace: one after another, the second month's run would start
        seconds after the first's); returns their ids in order."""
        run_ids = [str(uuid.uuid4()) for _ in tags]
        for start in range(0, len(tags), at_once):
            launching = [
                subprocess.Popen(
                    [sys.executable, "-m", "dagster", "job", "launch", *self.workspace, "-j", job]
                    + ["--run-id", run_id, "--tags", json.dumps(run_tags)],
                    cwd=PROJECT_ROOT,
                    env=self.env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for run_id, run_tags in zip(
                    run_ids[start : start + at_once], tags[start : start + at_once], strict=True
                )
            ]
            for process in launching:
                _, errors = process.communicate(timeout=300)
                if process.returncode:
                    raise RuntimeError(f"dagster job launch -j {job} failed:\n{errors[-3000:]}")
        return run_ids

    def start_daemon(self) -> subprocess.Popen:
        return subprocess.Popen(
            [str(Path(sys.executable).parent / "dagster-daemon"), "run", *self.workspace],
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=self.daemon_log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def daemon_log(self) -> Path:
        return self.data_dir.parent / "daemon.log"

    def wait_for(self, run_ids: list[str], daemon: subprocess.Popen, timeout: float = 600) -> list[str]:
        """The runs' final statuses, once all have ended."""
        deadline = time.monotonic() + timeout
        while True:
            statuses = [self.probe("run_status", run_id)["status"] for run_id in run_ids]
            if all(status in ("SUCCESS", "FAILURE", "CANCELED") for status in statuses):
                return statuses
            if daemon.poll() is not None:
                log = self.daemon_log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"dagster-daemon stopped:\n{log}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"runs still {statuses} after {timeout:.0f} s")
            time.sleep(2)

    def probe(self, what: str, run_id: str) -> dict:
        """What tests/distributed/probes.py reads of a run from the deployment's instance."""
        done = subprocess.run(
            [sys.executable, "-m", "tests.distributed.probes", what, run_id],
            cwd=PROJECT_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise RuntimeError(f"probe {what} failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout)

    def backfill(
        self, first: str, last: str, daemon: subprocess.Popen, on_months_queued=None
    ) -> dict[str, list[str]]:
        """A backfill as docs/deployment.md runs it on workers sharing a lake: the reference data;
        one person_months_job run per month, all queued at once; then everything else over the range.
        Returns the run ids of each part; raises when a run fails."""
        runs: dict[str, list[str]] = {"reference": [self.launch("reference_job", {})]}
        self._succeeded(runs["reference"], daemon)
        months = [first]
        while months[-1] != last:
            months.append(shift_month(months[-1], 1))
        runs["months"] = self.launch_all("person_months_job", [{"dagster/partition": m} for m in months])
        if on_months_queued is not None:
            on_months_queued()
        self._succeeded(runs["months"], daemon, timeout=600 + 120 * len(months))
        runs["build"] = [self.launch("build_from_stored_months_job", month_range_tags((first, last)))]
        self._succeeded(runs["build"], daemon, timeout=600 + 60 * len(months))
        return runs

    def _succeeded(self, run_ids: list[str], daemon: subprocess.Popen, timeout: float = 600) -> None:
        statuses = self.wait_for(run_ids, daemon, timeout)
        if set(statuses) != {"SUCCESS"}:
            raise RuntimeError(f"runs {statuses}:\n" + self.daemon_log.read_text(errors="replace")[-5000:])


WORKSPACE = ("-w", str(PROJECT_ROOT / "deploy" / "workspace.yaml"))


def prepare_instance(env: dict[str, str], person_month_slots: int) -> None:
    """As docs/deployment.md sets up an instance: ``person_month_slots`` months ingested at a time
    (one per worker), and for a backfill nothing the daemon would start by itself (the sensor would
    queue runs for the new raw files, the schedule the current month)."""
    dagster = [sys.executable, "-m", "dagster"]
    for command in (
        ["instance", "concurrency", "set", PERSON_MONTHS_POOL, str(person_month_slots)],
        ["sensor", "stop", *WORKSPACE, "raw_files_sensor"],
        ["sensor", "stop", *WORKSPACE, "publish_after_marts_sensor"],
        ["schedule", "stop", *WORKSPACE, "nightly_schedule"],
    ):
        done = subprocess.run(dagster + command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"dagster {' '.join(command)} failed:\n{done.stderr[-3000:]}")
