"""The README's commands and output stay true."""

import re
from pathlib import Path

from click.testing import CliRunner

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
    import shlex

    block = re.search(r"tests/test_readme.py runs it in an empty folder.*?\n```console\n(.*?)\n```", README, re.S).group(1)
    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ regimen "):
            steps.append((line[len("$ regimen "):], []))
        else:
            steps[-1][1].append(line)
    monkeypatch.chdir(tmp_path)
    assert len(steps) >= 8
    for command, shown in steps:
        result = CliRunner().invoke(main, shlex.split(command))
        assert result.exit_code == 0, (command, result.output)
        _matches(result.output.splitlines(), shown, command)


def _matches(lines: list[str], shown: list[str], command: str) -> None:
    """Every shown line in order; "..." stands for any lines."""
    at = 0
    for index, want in enumerate(shown):
        if want == "...":
            following = shown[index + 1] if index + 1 < len(shown) else None
            while following is not None and at < len(lines) and lines[at] != following:
                at += 1
            continue
        assert at < len(lines) and lines[at] == want, (command, want, lines[at] if at < len(lines) else "(no more output)")
        at += 1
    assert at == len(lines), (command, lines[at:])
