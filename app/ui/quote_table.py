"""The quotes table of the "Draft invoices" window: a checkbox per row, the status in colour.

The rows are app.ui.invoices_session's QuoteRow objects; this module only shows them and turns a click
or the space bar into the row's ``checked`` flag.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import QTableView

from app.ui.invoices_session import QuoteRow

COLUMNS = ("", "Number", "Customer", "Date", "Lines", "Total", "Changes", "Status")
CHECK, NUMBER, CUSTOMER, DATE, LINES, TOTAL, CHANGES, STATUS = range(len(COLUMNS))
# Mid-tone text colours: readable on light and dark table backgrounds alike.
STATE_COLOURS = {
    "drafted": "#2e8540",
    "drafted_before": "#6f7780",
    "found": "#6f7780",
    "changed": "#b7791f",
    "updated": "#2e8540",
    "invalid": "#c0392b",
    "problem": "#c0392b",
    "failed": "#c0392b",
    "not_sent": "#b7791f",
    "checking": "#6f7780",
}


class QuoteTableModel(QAbstractTableModel):
    """The rows of a DraftSession; the first column is the "draft this one" checkbox."""

    checks_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[QuoteRow] = []

    def set_rows(self, rows: list[QuoteRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()
        self.checks_changed.emit()

    def refresh(self) -> None:
        """The row objects changed in place (a run finished): repaint everything, keep the selection."""
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(COLUMNS) - 1))
        self.checks_changed.emit()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole and section == 0:
            return "Draft this quote"
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == CHECK and self.rows[index.row()].checkable:
            base |= Qt.ItemFlag.ItemIsUserCheckable
        return base

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        row, column = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.CheckStateRole and column == CHECK:
            if not row.checkable:
                return None
            return Qt.CheckState.Checked if row.checked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and column in (STATUS, CUSTOMER, CHANGES):
            return self._text(row, column) or None
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS and row.state in STATE_COLOURS:
            return QColor(STATE_COLOURS[row.state])
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (LINES, TOTAL):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.AccessibleTextRole and column == CHECK and row.checkable:
            return f"Draft {row.number}: {'checked' if row.checked else 'not checked'}"
        return None

    @staticmethod
    def _text(row: QuoteRow, column: int) -> str:
        if column == NUMBER:
            return row.number or "—"
        if column == CUSTOMER:
            return row.customer
        if column == DATE:
            return row.date
        if column == LINES:
            return "" if row.lines is None else str(row.lines)
        if column == TOTAL:
            return row.total
        if column == CHANGES:
            return row.changes
        if column == STATUS:
            return row.status_text
        return ""

    def setData(
        self, index: QModelIndex | QPersistentModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole
    ) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or index.column() != CHECK:
            return False
        row = self.rows[index.row()]
        if not row.checkable:
            return False
        row.checked = Qt.CheckState(value) == Qt.CheckState.Checked
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.checks_changed.emit()
        return True

    def check_all(self, checked: bool) -> None:
        for row in self.rows:
            if row.checkable:
                row.checked = checked
        self.refresh()


class QuoteTable(QTableView):
    """Space toggles the current row's checkbox whatever column has the focus (rows are selected whole)."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        current = self.currentIndex()
        if event.key() == Qt.Key.Key_Space and current.isValid() and self.isEnabled():
            check = self.model().index(current.row(), CHECK)
            state = self.model().data(check, Qt.ItemDataRole.CheckStateRole)
            if state is not None:
                checked = Qt.CheckState(state) == Qt.CheckState.Checked
                new = Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked
                self.model().setData(check, new.value, Qt.ItemDataRole.CheckStateRole)
            event.accept()
            return
        super().keyPressEvent(event)
