"""The command line in processes forked from one that imported it once.

``python -m fairscreen`` spends over a second importing before it reads its arguments; the tests
that run hundreds of command lines (tests/test_cli.py) would pay it hundreds of times. A
``Forks`` server is a process of its own that imports ``fairscreen.cli`` and nothing else (it
calls nothing: settings and other caches are first filled in the child) and, for each command
line, forks a child that takes the test's working folder, environment and arguments, has
``/dev/null`` as its stdin and files as its stdout and stderr (file descriptors 0, 1 and 2), and
runs the package's ``__main__`` as ``python -m fairscreen`` does. The child's exit status is
the interpreter's: ``SystemExit``'s code, 1 with the traceback on stderr for any other
exception; a child still running after ``timeout`` seconds (600) is ended by ``SIGALRM``. Every child is a real process, thrown away after its one command line; the tests that
start a fresh interpreter (``subprocess.run``) still do so, and ``test_cli.py`` keeps some.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

_SERVER = r"""
import json, os, runpy, signal, sys, traceback
import fairscreen.cli  # the slow part, once

requests = os.fdopen(int(sys.argv[1]), "r")
answers = os.fdopen(int(sys.argv[2]), "w")
for line in requests:
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:
        # a command line that hangs dies of SIGALRM (the answer is then -14), as subprocess.run's
        # timeout would have ended it, instead of hanging the test run
        signal.alarm(request.get("timeout", 600))
        requests.close()
        answers.close()
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
            target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
        sys.argv = ["fairscreen", *request["args"]]
        try:
            runpy.run_module("fairscreen", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exc:
            if exc.code is None:
                code = 0
            elif isinstance(exc.code, int):
                code = exc.code
            else:
                print(exc.code, file=sys.stderr)
                code = 1
        except BaseException:
            traceback.print_exc()
            code = 1
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    answers.write(json.dumps(os.waitstatus_to_exitcode(status)) + "\n")
    answers.flush()
"""


@dataclass(frozen=True)
class Ran:
    """What ``subprocess.run(..., capture_output=True, text=True)`` would have given."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


class Forks:
    """A server forking one child per command line (see the module's docstring)."""

    def __init__(self, env: dict[str, str]) -> None:
        requests_read, self._requests = os.pipe()
        self._answers, answers_write = os.pipe()
        self._process = subprocess.Popen(
            [sys.executable, "-c", _SERVER, str(requests_read), str(answers_write)],
            stdin=subprocess.DEVNULL,
            env=env,
            pass_fds=(requests_read, answers_write),
        )
        os.close(requests_read)
        os.close(answers_write)
        self._send = os.fdopen(self._requests, "w")
        self._receive = os.fdopen(self._answers, "r")
        self._output = Path(tempfile.mkdtemp(prefix="fairscreen-forks-"))

    def run(self, cwd: Path, env: dict[str, str], *args: str, timeout: int = 600) -> Ran:
        stdout, stderr = self._output / "stdout", self._output / "stderr"
        request = {
            "timeout": timeout,
            "cwd": str(cwd),
            "env": env,
            "args": list(args),
            "stdout": str(stdout),
            "stderr": str(stderr),
        }
        self._send.write(json.dumps(request) + "\n")
        self._send.flush()
        answer = self._receive.readline()
        assert answer, f"the fork server ended (exit status {self._process.poll()})"
        ran = Ran(
            tuple(args),
            int(answer),
            stdout.read_text(encoding="utf-8"),
            stderr.read_text(encoding="utf-8"),
        )
        stdout.unlink()
        stderr.unlink()
        return ran

    def close(self) -> None:
        self._send.close()
        self._process.wait(timeout=60)
        self._receive.close()
        shutil.rmtree(self._output)

    def __enter__(self) -> Forks:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
