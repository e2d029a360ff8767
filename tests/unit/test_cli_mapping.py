"""`draft --show-mapping`, --map, --mapping, --preset: read the file, print every column, call no Xero."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.cli.draft_options import EXIT_OK, EXIT_REFUSED

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
BLOCKED = "Quote Number,Customer,Description,Quantity,Unit Price,VAT Rate\nQ-1,Acme Ltd,Widget,2,10,20\n"


def test_show_mapping_prints_every_column_and_the_date_order_and_sends_nothing(capsys, tmp_path) -> None:
    # No organisation is connected here: any call to Xero would fail the command.
    code = main(["draft", str(SAMPLES / "salesforce-opportunity-products.csv"), "--show-mapping"])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "preset Salesforce opportunity products" in out
    assert "'List Price'           → ignored (the catalogue price; the sales price is drafted)" in out
    assert "Dates are read month first, guessed from '11/13/2026' on line 2" in out


def test_a_blocked_file_exits_2_before_any_call_and_map_settles_it(capsys, tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text(BLOCKED, encoding="utf-8")
    assert main(["draft", str(path), "--dry-run"]) == EXIT_REFUSED
    out = capsys.readouterr().out
    assert "column 'VAT Rate' looks like it changes an amount but is not mapped" in out
    assert "Nothing was drafted: the file was refused." in out
    assert main(["draft", str(path), "--show-mapping", "--map", "ignored=VAT Rate"]) == EXIT_OK
    assert "'VAT Rate'     → ignored (--map)" in capsys.readouterr().out


def test_a_mapping_file_a_preset_and_a_saved_mapping(capsys, tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text(BLOCKED, encoding="utf-8")
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"columns": {"VAT Rate": "ignored"}}), encoding="utf-8")
    assert main(["draft", str(path), "--show-mapping", "--mapping", str(mapping)]) == EXIT_OK
    assert "the mapping file m.json" in capsys.readouterr().out
    save = ["--map", "ignored=VAT Rate", "--save-mapping"]
    assert main(["draft", str(path), "--show-mapping", *save]) == EXIT_OK
    assert "Mapping saved for files with these columns" in capsys.readouterr().out
    assert main(["draft", str(path), "--show-mapping"]) == EXIT_OK  # found again by its header
    assert "the mapping saved for this header" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--map", "colour=Customer"], "'colour' is not a field"),
        (["--preset", "sage"], "There is no preset 'sage'"),
        (["--mapping", "missing.json"], "The mapping file missing.json could not be read"),
    ],
)
def test_options_that_cannot_apply_are_refused_with_a_sentence(capsys, tmp_path: Path, argv, words) -> None:
    path = tmp_path / "q.csv"
    path.write_text(BLOCKED, encoding="utf-8")
    argv = [a.replace("missing.json", str(tmp_path / "missing.json")) for a in argv]
    code = main(["draft", str(path), "--show-mapping", *argv])
    captured = capsys.readouterr()
    assert code == EXIT_REFUSED
    assert words in captured.err + captured.out
