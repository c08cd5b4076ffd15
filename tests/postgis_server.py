"""A throwaway PostgreSQL + PostGIS server for the tests (and for ``.ci/run``).

``PostgisServer`` runs Debian's ``initdb`` into a temporary folder and ``pg_ctl`` on 127.0.0.1 with
a free port (and a unix socket in that folder), as the ``postgres`` user when we are root
(PostgreSQL refuses to run as root). The superuser ``healthcov`` has a random password that is
written to a ``.pgpass`` file in the folder, so URLs carry no password: libpq reads it through
``PGPASSFILE``. ``stop()`` stops the server and removes the folder.

Command line (used by ``.ci/run``)::

    python tests/postgis_server.py start DIR   # prints the URL of a database with PostGIS
    python tests/postgis_server.py stop DIR
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

USER = "healthcov"
BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin")


def find_bin(name: str) -> str | None:
    """The PostgreSQL server program ``name`` (``initdb``, ``pg_ctl``), or None when not installed."""
    for d in BIN_DIRS:
        p = Path(d) / name
        if p.exists():
            return str(p)
    return shutil.which(name)


def missing_reason() -> str | None:
    """Why a server cannot be started here, or None when it can."""
    for name in ("initdb", "pg_ctl", "psql"):
        if find_bin(name) is None:
            return f"PostgreSQL's {name} is not installed (apt-get install postgresql postgresql-15-postgis-3)"
    versions = [Path(d).parent.name for d in BIN_DIRS if Path(d).exists()]
    if not any(Path(f"/usr/share/postgresql/{v}/extension/postgis.control").exists() for v in versions):
        return "the PostGIS extension is not installed (apt-get install postgresql-15-postgis-3)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgisServer:
    """A PostgreSQL cluster in ``folder`` listening on 127.0.0.1:``port``."""

    def __init__(self, folder: str | Path | None = None, port: int | None = None) -> None:
        self.folder = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="healthcov-pg-"))
        self.port = port or free_port()
        self.password = secrets.token_hex(12)
        self.pgpass = self.folder / "pgpass"

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str = "postgres") -> str:
        """Connection URL without password (libpq finds it in :attr:`pgpass`)."""
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def _run(self, *cmd: str) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        out = subprocess.run([*prefix, *cmd], capture_output=True, text=True, check=False, timeout=120)
        if out.returncode:
            msg = f"{' '.join(cmd)} failed ({out.returncode}): {out.stdout}\n{out.stderr}"
            raise RuntimeError(msg)
        return out

    def start(self) -> PostgisServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        pwfile = self.folder / "pw"
        pwfile.write_text(self.password + "\n")
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
            shutil.chown(pwfile, "postgres", "postgres")
        self.folder.chmod(0o700)
        self._run(
            find_bin("initdb") or "initdb", "-D", str(self.data), "-U", USER, "--pwfile", str(pwfile),
            "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        pwfile.unlink()
        opts = f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.folder}"
        opts += " -c fsync=off -c full_page_writes=off"
        self._run(find_bin("pg_ctl") or "pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"),
                  "-o", opts, "-w", "-t", "60", "start")  # fmt: skip
        self.pgpass.write_text(f"127.0.0.1:{self.port}:*:{USER}:{self.password}\n")
        self.pgpass.chmod(0o600)
        return self

    def psql(self, sql: str, database: str = "postgres") -> str:
        env = {**os.environ, "PGPASSFILE": str(self.pgpass)}
        out = subprocess.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-d", self.url(database), "-c", sql],
            capture_output=True, text=True, check=False, env=env, timeout=120,
        )  # fmt: skip
        if out.returncode:
            msg = f"psql failed: {out.stderr}"
            raise RuntimeError(msg)
        return out.stdout.strip()

    def create_database(self, name: str) -> str:
        """A fresh database with PostGIS; returns its URL."""
        self.psql(f'DROP DATABASE IF EXISTS "{name}"')
        self.psql(f'CREATE DATABASE "{name}"')
        self.psql("CREATE EXTENSION postgis", database=name)
        return self.url(name)

    def stop(self) -> None:
        if self.data.exists():
            with contextlib.suppress(RuntimeError):  # not running
                self._run(find_bin("pg_ctl") or "pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        return 2
    folder = Path(argv[2])
    if argv[1] == "stop":
        PostgisServer(folder, port=1).stop()
        return 0
    server = PostgisServer(folder).start()
    print(server.create_database("healthcov_test"))
    print(server.pgpass)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
