"""The blind-batch scorer (bench/references_blind.py), run as the lead runs it on a batch file.

A real subprocess on real files: the command in docs/references.md must print the confusion
table and the scores, and a malformed batch must end in one line naming the file and the line,
never a traceback.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BATCH = """# a small batch in the corpus format, with full stops as the blind batches have them
zh\tforbidden:pregnancy\t她去年休了产假。
zht\tprivate_life+h\t聽說他私生活很亂。
en\tmisconduct:attendance\tHe was often late for his shifts.
en\tmisconduct:discipline\tShe received a written warning in May.
en\tneutral\tShe was promoted twice in three years.
en\tneutral\tHe led the data migration.
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench.references_blind", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_batch_is_scored_with_its_confusion_table(tmp_path: Path) -> None:
    batch = tmp_path / "batch.tsv"
    batch.write_text(BATCH, "utf-8")
    out = tmp_path / "score.json"
    result = run(str(batch), "--json", str(out), "--show", "5")
    assert result.returncode == 0, result.stderr
    assert "| truth \\ screened | n | forbidden | private_life | misconduct | neutral |" in (
        result.stdout
    )
    assert "forbidden and private life, recall together: 1.000" in result.stdout
    summary = json.loads(out.read_text("utf-8"))
    assert summary["sentences"] == 6
    assert summary["confusion"]["misconduct"] == {"misconduct": 2}
    assert summary["recall"]["forbidden"] == 1.0
    assert summary["hearsay_accuracy"] == 1.0
    assert summary["by_category"]["misconduct:discipline"] == {"right": 1}


def test_a_malformed_line_is_named_without_a_traceback(tmp_path: Path) -> None:
    batch = tmp_path / "bad.tsv"
    batch.write_text("en\tneutral\tfine\nen\tmisconduct\tno category here\n", "utf-8")
    result = run(str(batch))
    assert result.returncode == 2
    assert f"{batch}:2" in result.stderr
    assert "need a category" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    result = run(str(tmp_path / "nowhere.tsv"))
    assert result.returncode == 2
    assert "cannot read" in result.stderr and "nowhere.tsv" in result.stderr
    assert "Traceback" not in result.stderr
