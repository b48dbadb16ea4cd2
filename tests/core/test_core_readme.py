"""Every command of the README's tour runs as written, in order (docs and CLI never drift apart)."""

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from postprod.cli.main import app

README = Path(__file__).resolve().parents[2] / "README.md"


def _tour() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.S)
    lines = []
    for block in blocks[2:]:  # the first two are the set-up commands (pip install ...)
        for line in block.replace("\\\n", " ").splitlines():
            cmd = re.split(r"\s{2,}#", line)[0].strip()
            if cmd:
                lines.append(cmd)
    return lines


def test_the_tour_is_there() -> None:
    tour = _tour()
    assert len(tour) > 40 and all(cmd.startswith("postprod ") for cmd in tour)


def test_every_tour_command_runs(cli_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for cmd in _tour():
        args = shlex.split(cmd)[1:]
        result = runner.invoke(app, args)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert result.exit_code == 0, f"`{cmd}` exited {result.exit_code}: {result.stderr or result.stdout[-500:]}"
