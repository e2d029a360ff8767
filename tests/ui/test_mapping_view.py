"""The mapping step, driven as a user would: change a column's field, the preview follows, save, and the
next file with the same header maps itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.invoicing.mapping_step import MappingStep
from app.secrets import SecretStore
from app.ui.invoices import InvoicesWindow
from app.ui.mapping_view import MappingView
from tests.helpers.drafting import connect

HEADER = "Order Ref,Client,Order Date,Product,Description,Qty,Unit Price,VAT Rate\n"


def write(path: Path, rows: str) -> Path:
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def cell_text(view: MappingView, row: int, column: int) -> str:
    item = view.preview.item(row, column)
    assert item is not None, (row, column)
    return item.text()


def preview_cells(view: MappingView) -> list[list[str]]:
    return [
        [cell_text(view, r, c) for c in range(view.preview.columnCount())]
        for r in range(view.preview.rowCount())
    ]


def test_change_a_mapping_the_preview_follows_save_and_the_next_file_maps_itself(
    qtbot, tmp_path, shot
) -> None:
    november = write(
        tmp_path / "november.csv",
        "SO-1,Acme Ltd,11/13/2026,DEV-HOUR,Development,2,95.00,20%\n,,,SUPPORT-M,Support,1,250.00,20%\n",
    )
    view = MappingView()
    qtbot.addWidget(view)
    view.resize(860, 640)
    view.show_step(MappingStep(november))
    view.show()
    qtbot.waitExposed(view)
    # Blocked: 'Product' and 'Description' are both the description, 'VAT Rate' changes amounts.
    assert not view.apply_button.isEnabled() and view.preview.rowCount() == 0
    assert "it has no column for the quote number" in view.notice.label.text()
    shot(view, "mapping-blocked")
    with qtbot.waitSignal(view.changed):
        view.field_box("Order Ref").setCurrentText("number")
    assert "'VAT Rate' looks like it changes an amount" in view.notice.label.text()
    assert "'Product' and 'Description' are all the description" in view.notice.label.text()

    with qtbot.waitSignal(view.changed):
        view.field_box("VAT Rate").setCurrentText("ignored")
    with qtbot.waitSignal(view.changed):
        view.field_box("Product").setCurrentText("item_code")
    assert view.apply_button.isEnabled()
    # Without fill-down the continuation row has no number: SO-1 is left out, and the preview says so.
    assert view.preview.rowCount() == 0
    with qtbot.waitSignal(view.changed):
        view.fill_down.setChecked(True)
    assert preview_cells(view) == [["SO-1", "Acme Ltd", "2", "440.00", "default", "Exclusive", "default"]]
    assert "month first, guessed from '11/13/2026'" in view.date_note.text()
    with qtbot.waitSignal(view.changed):
        view.field_box("Qty").setCurrentText("ignored")  # a blank quantity is one
    assert preview_cells(view)[0][3] == "345.00"
    with qtbot.waitSignal(view.changed):
        view.field_box("Qty").setCurrentText("quantity")
    shot(view, "mapping-settled")

    with qtbot.waitSignal(view.saved) as saved:
        view.save_button.click()
    assert Path(saved.args[0]).is_file()
    with qtbot.waitSignal(view.applied) as applied:
        view.apply_button.click()
    assert view.step is not None and applied.args[0].request().mapping is view.step.mapping

    december = write(tmp_path / "december.csv", "SO-7,Bayside Club,12/14/2026,WIDGET-A,Widgets,4,24.50,20%\n")
    again = MappingView()
    qtbot.addWidget(again)
    again.show_step(MappingStep(december))
    assert "the mapping saved for this header" in again.title.text()
    assert again.field_box("VAT Rate").currentText() == "ignored"
    assert again.field_box("Product").currentText() == "item_code"
    assert again.fill_down.isChecked() and again.apply_button.isEnabled()
    assert preview_cells(again) == [["SO-7", "Bayside Club", "1", "98.00", "default", "Exclusive", "default"]]


@pytest.fixture
def connected(sandbox, sandbox_app, callback_ports):
    model = connect(sandbox, sandbox_app, callback_ports)
    yield model
    SecretStore("sandbox", sandbox_app.client_id).delete_all()


@pytest.mark.usefixtures("real_keyring", "no_stray_workers")
def test_the_window_waits_for_the_mapping_then_plans_what_the_preview_showed(
    qtbot, connected, tmp_path, shot
):
    path = tmp_path / "export.csv"
    path.write_text(
        "Quote Number,Customer,Description,Quantity,Unit Price,VAT Rate\n"
        "Q-MAP-1,Acme Ltd,Development,2,95.00,20%\n",
        encoding="utf-8",
    )
    window = InvoicesWindow(connected)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitSignal(window.rows_changed, timeout=30_000):
        window.load_file(path)
    qtbot.waitUntil(lambda: not window.running, timeout=30_000)
    view = window.mapping_view
    assert view.isVisible() and view.details.isVisible() and window.session is not None
    assert (
        window.session.plan is None
        and "'VAT Rate' looks like it changes an amount" in window.notice.label.text()
    )
    with qtbot.waitSignal(view.changed):
        view.field_box("VAT Rate").setCurrentText("ignored")
    with qtbot.waitSignal(window.rows_changed, timeout=30_000):
        view.apply_button.click()
    qtbot.waitUntil(lambda: not window.running and window.session.plan is not None, timeout=30_000)
    assert [(row.number, row.state, row.total) for row in window.rows] == [("Q-MAP-1", "new", "190.00")]
    shot(window, "invoices-mapping-step")
