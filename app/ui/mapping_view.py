"""The mapping step of the "Draft invoices" window: each column beside its field, and the first quotes.

Every decision (the guess, what blocks, the preview's totals) is made in app.invoicing.mapping_step;
this widget shows a MappingStep, hands the user's choices to it and redraws.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.invoicing.mapping_step import (
    BLOCKS,
    DATE_CHOICE_WORDS,
    DATE_CHOICES,
    NOT_MAPPED,
    SAVED,
    SETTLED,
    MappingStep,
)
from app.ui.widgets import Notice, NoticeKind, action_button

PREVIEW_HEADER = ("Number", "Customer", "Lines", "Total", "Currency", "Amounts are", "Tax")
COLUMN_HEADER = ("Column in the file", "Field", "Note")


class MappingView(QWidget):
    changed = Signal()  # the preview was redrawn after a choice
    saved = Signal(object)  # the Path the mapping was saved to
    applied = Signal(object)  # the MappingStep, when the user asks to use this mapping

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.step: MappingStep | None = None
        self._filling = False
        self.title = QLabel()
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.columns = QTableWidget(0, len(COLUMN_HEADER))
        self.columns.setAccessibleName("Columns and their fields")
        self.columns.setHorizontalHeaderLabels(COLUMN_HEADER)
        self.columns.verticalHeader().hide()
        self.columns.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.columns.setTabKeyNavigation(False)
        header = self.columns.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.columns.setMaximumHeight(210)

        self.fill_down = QCheckBox("&Fill down blank cells of quote-level fields")
        self.fill_down.setToolTip("Exports that write the order's own fields on its first row only")
        self.fill_down.toggled.connect(self._fill_down_toggled)
        self.date_order = QComboBox()
        self.date_order.setAccessibleName("Date order")
        for choice in DATE_CHOICES:
            self.date_order.addItem(DATE_CHOICE_WORDS[choice], choice)
        self.date_order.currentIndexChanged.connect(self._date_order_chosen)
        date_label = QLabel("&Dates:")
        date_label.setBuddy(self.date_order)
        self.date_note = QLabel()
        self.date_note.setWordWrap(True)
        self.date_note.setAccessibleName("How dates are read")
        options = QHBoxLayout()
        options.addWidget(self.fill_down)
        options.addSpacing(16)
        options.addWidget(date_label)
        options.addWidget(self.date_order)
        options.addWidget(self.date_note, 1)

        self.notice = Notice("Mapping status")
        self.preview = QTableWidget(0, len(PREVIEW_HEADER))
        self.preview.setAccessibleName("Preview of the first quotes")
        self.preview.setHorizontalHeaderLabels(PREVIEW_HEADER)
        self.preview.verticalHeader().hide()
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.preview.horizontalHeader().setStretchLastSection(True)
        self.preview.setMaximumHeight(150)
        preview_label = QLabel("Preview of the first quotes as they would be drafted:")

        self.save_button = action_button(
            "&Save mapping", "Save this mapping for files with these columns", self.save
        )
        self.apply_button = action_button(
            "Use this &mapping", "Read the whole file with this mapping", self.apply
        )
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.apply_button)
        self.toggle_button = action_button(
            "Show &columns",
            "Show or hide the columns and their fields",
            lambda: self.set_expanded(not self.details.isVisible()),
        )
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.toggle_button)

        # Folded away once the mapping is settled, so the window's quote table keeps its room.
        self.details = QWidget()
        inner = QVBoxLayout(self.details)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(self.columns)
        inner.addLayout(options)
        inner.addWidget(self.notice)
        inner.addWidget(preview_label)
        inner.addWidget(self.preview)
        inner.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.details)
        self.set_expanded(True)

    def set_expanded(self, on: bool) -> None:
        self.details.setVisible(on)
        self.toggle_button.setText("Hide &columns" if on else "Show &columns")

    # ----- showing -----
    def show_step(self, step: MappingStep) -> None:
        self.step = step
        self._redraw()

    def _redraw(self) -> None:
        step = self.step
        if step is None:
            return
        self._filling = True
        try:
            name = step.path.name
            self.title.setText(step.mapping.heading(name).removesuffix(":") if step.mapping else name)
            rows = step.columns
            self.columns.setRowCount(len(rows))
            for index, row in enumerate(rows):
                self.columns.setItem(index, 0, QTableWidgetItem(row.name))
                box = self.columns.cellWidget(index, 1)
                if not isinstance(box, QComboBox):
                    box = QComboBox()
                    box.addItems([NOT_MAPPED, *step.choices(index)])
                    box.setAccessibleName(f"Field for column {row.name}")
                    box.currentTextChanged.connect(lambda text, i=index: self._chosen(i, text))
                    self.columns.setCellWidget(index, 1, box)
                box.setCurrentText(row.choice)
                note = QTableWidgetItem(" ".join(filter(None, (BLOCKS if row.blocking else "", row.note))))
                self.columns.setItem(index, 2, note)
            self.fill_down.setChecked(step.fill_down)
            self.fill_down.setEnabled(step.is_csv)
            self.date_order.setCurrentIndex(max(0, self.date_order.findData(step.date_choice)))
            self.date_order.setEnabled(step.is_csv)
            self.date_note.setText(step.date_note)
            previews = step.preview()
            self.preview.setRowCount(len(previews))
            for index, p in enumerate(previews):
                cells = (p.number, p.customer, str(p.lines), p.total, p.currency, p.amounts, p.tax)
                for column, text in enumerate(cells):
                    self.preview.setItem(index, column, QTableWidgetItem(text))
            if step.problems:
                self.notice.show_message(NoticeKind.WARNING, " ".join(step.problems))
            else:
                self.notice.show_message(NoticeKind.SUCCESS, SETTLED)
            self.apply_button.setEnabled(step.settled)
            self.save_button.setEnabled(step.is_csv)
        finally:
            self._filling = False
        self.changed.emit()

    # ----- the user's choices -----
    def _chosen(self, index: int, text: str) -> None:
        if self._filling or self.step is None or text == NOT_MAPPED:
            return
        self.step.choose(index, text)
        self._redraw()

    def _fill_down_toggled(self, on: bool) -> None:
        if not self._filling and self.step is not None:
            self.step.set_fill_down(on)
            self._redraw()

    def _date_order_chosen(self, _index: int) -> None:
        if not self._filling and self.step is not None:
            self.step.set_date_order(str(self.date_order.currentData()))
            self._redraw()

    def field_box(self, column_name: str) -> QComboBox:
        for index in range(self.columns.rowCount()):
            item = self.columns.item(index, 0)
            if item is not None and item.text() == column_name:
                box = self.columns.cellWidget(index, 1)
                assert isinstance(box, QComboBox)
                return box
        raise KeyError(column_name)

    def save(self) -> Path | None:
        if self.step is None:
            return None
        path = self.step.save()
        if path is not None:
            self.notice.show_message(NoticeKind.SUCCESS, SAVED)
            self.saved.emit(path)
        return path

    def apply(self) -> None:
        if self.step is not None and self.step.settled:
            self.applied.emit(self.step)
