"""The README's commands and output stay true."""

import re
from pathlib import Path

from click.testing import CliRunner
from conftest import run_readme_block

from regimen.cli import main

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
CI = (Path(__file__).parent.parent / ".ci" / "run").read_text(encoding="utf-8")


def _commands() -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", README)


def test_exactly_two_commands_and_ci_runs_the_test_one():
    main_job, tests = _commands()
    assert "regimen schedule" in main_job and "pytest" in tests
    assert tests in CI


def test_main_job_output_is_what_the_readme_shows():
    main_job = _commands()[0]
    args = main_job.split(".venv/bin/regimen ", 1)[1]
    argv = [a.strip('"') for a in re.findall(r'"[^"]*"|\S+', args)]
    shown = re.search(r"keeps it true -->\n```text\n(.*?)\n```", README, re.S).group(1)
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 0
    assert result.output.rstrip("\n") == shown


def test_the_course_workflow_runs_as_shown(tmp_path, monkeypatch):
    steps = run_readme_block("the course workflow", tmp_path, monkeypatch)
    assert steps >= 8
