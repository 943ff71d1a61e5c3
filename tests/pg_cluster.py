"""A throwaway PostgreSQL cluster for one test session: initdb in a temporary folder, a server on
a private Unix socket (no TCP port), stopped and deleted when the session ends."""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def find_bindir() -> Path:
    installed = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in [os.environ.get("HWC_PG_BINDIR", ""), *installed]:
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise PostgresUnavailable("PostgreSQL server binaries (initdb, pg_ctl) not found")


class ThrowawayCluster:
    def __init__(self) -> None:
        self.bindir = find_bindir()
        self.root = Path(tempfile.mkdtemp(prefix="hwc-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "socket"
        self.port = 5432
        self.user = None
        if os.geteuid() == 0:  # the server refuses to run as root
            self.user = pwd.getpwnam("postgres")
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)
        self.socket_dir.mkdir()
        if self.user:
            os.chown(self.socket_dir, self.user.pw_uid, self.user.pw_gid)

    def _run(self, *args: str) -> None:
        command = list(args)
        if self.user:
            command = ["setpriv", f"--reuid={self.user.pw_uid}", f"--regid={self.user.pw_gid}",
                       "--init-groups", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.root, timeout=60)

    def start(self) -> str:
        """Start the server and return the SQLAlchemy URL of an empty database."""
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "hwc",
                  "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        self.start_server()
        self._run(str(self.bindir / "createdb"), "-h", str(self.socket_dir), "-U", "hwc", "hwc")
        return f"postgresql+psycopg://hwc@/hwc?host={self.socket_dir}"

    def start_server(self) -> None:
        """Start the server of an initialised cluster (again, after ``stop_server``)."""
        options = (f"-c listen_addresses='' -c unix_socket_directories={self.socket_dir} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.root / "server.log"), "-w", "-t", "30", "start")

    def stop_server(self, mode: str = "fast") -> None:
        """Stop the server and keep the cluster (fault drills): ``fast`` ends every session
        and rolls back their transactions, as a restart of the database host does."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode,
                  "-w", "-t", "30", "stop")

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                      "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
