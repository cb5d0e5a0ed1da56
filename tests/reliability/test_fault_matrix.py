"""The fault matrix under pytest, one test per cell (``<row>-<fault>``, see fault_matrix.py): no BAD run, convergence once the
fault has passed, no leftover, no duplicate, no traceback, and the fault did hit. Known failures of the collection are
strict xfails, so that a fix shows up as a failure until its entry leaves ``KNOWN_FAILURES``.

Run: ``PYTHONPATH=tests python -m pytest -n 2 tests/reliability`` (ansible-playbook next to that Python).
"""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from fault_matrix import BAD, CELLS, CONVERGED, FAILED_CLEARLY, FAILS_FIRST, TRACEBACK_NOTE, Verdict, judge, run_cell

README = Path(__file__).resolve().parents[2] / "README.md"

REACHED, MISSED = Verdict(True), Verdict(False)
CLEAN_FAILURE = {"failed": True, "msg": "POST .../action answered 500: INTERNAL SERVER ERROR", "exception": "(traceback unavailable)"}


def cell_param(cell):
    marks = [pytest.mark.xfail(reason=cell.known_failure, strict=True)] if cell.known_failure else []
    return pytest.param(cell, id=cell.id, marks=marks)


@pytest.mark.parametrize("cell", [cell_param(cell) for cell in CELLS])
def test_cell(matrix_cloud, tmp_path, cell):
    result = run_cell(matrix_cloud, cell, tmp_path)
    runs = [f"run {number}: {run.outcome} ({run.requests} requests) {run.note}" for number, run in enumerate(result.runs, 1)]
    assert result.problems == [], "\n".join([f"{cell.row.title}; {cell.fault}"] + runs)


def test_the_readme_gives_the_figures_every_run_gives():
    """Each cell's first outcome is fixed (FAILS_FIRST, checked by test_cell), so the README's line follows from it."""
    cell_ids = {cell.id for cell in CELLS}
    assert set(FAILS_FIRST) <= cell_ids, "FAILS_FIRST names cells that do not exist: %s" % sorted(set(FAILS_FIRST) - cell_ids)
    found = re.search(r"\*\*(\d+) cells: (\d+) converged at once, (\d+) failed clearly and converged on the re-run", README.read_text())
    assert found, "README.md has no fault matrix line"
    assert tuple(int(n) for n in found.groups()) == (len(CELLS), len(CELLS) - len(FAILS_FIRST), len(FAILS_FIRST))


@pytest.mark.parametrize("rc, output, result, verdict, expected", [
    (0, "ok: [localhost]", {"changed": True}, REACHED, CONVERGED),
    (0, "ok: [localhost]", {"changed": True}, MISSED, BAD),
    (2, "fatal: [localhost]: FAILED!", CLEAN_FAILURE, MISSED, FAILED_CLEARLY),
    # ansible-core 2.19: a module that raised, as the result_file callback records it
    (2, "fatal: [localhost]: FAILED!", {"failed": True, "msg": "Task failed: Module failed: boom", "exception": "(traceback unavailable)"},
     MISSED, BAD),
    (2, "fatal: [localhost]: FAILED!", dict(CLEAN_FAILURE, exception="Traceback (most recent call last):\n  File ..."), MISSED, BAD),
    (2, "module_stderr: Traceback (most recent call last)", {"failed": True, "msg": "MODULE FAILURE"}, MISSED, BAD),
    (2, "fatal: [localhost]: FAILED!", {"failed": True, "msg": "still running", "timedout": {"period": 120}}, MISSED, BAD),
    (2, "ERROR! the playbook could not be parsed", {}, MISSED, BAD),
    (2, "fatal: [localhost]: FAILED!", {"failed": True}, MISSED, BAD),
])
def test_runs_are_judged_by_rc_message_and_end_state(rc, output, result, verdict, expected):
    outcome, note = judge(SimpleNamespace(rc=rc, output=output), result, verdict)
    assert outcome == expected, note


def test_a_raising_module_is_called_a_traceback():
    crash = {"failed": True, "msg": "Task failed: Module failed: boom", "exception": "(traceback unavailable)"}
    assert judge(SimpleNamespace(rc=2, output=""), crash, MISSED) == (BAD, TRACEBACK_NOTE)
