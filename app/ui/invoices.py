"""The "Draft invoices" window: load quotes (file or Xero), see what would happen, draft the checked ones.

Every decision (statuses, totals, the export) is made in the Qt-free app.ui.invoices_session and every
sentence about the run in app.invoicing.run; this module only shows them and runs the core calls in
workers. Progress from the drafting worker reaches the GUI thread through a queued signal on a relay
object that lives here.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QCloseEvent, QDesktopServices, QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.invoicing import sources
from app.invoicing.loading import SHOW_FROM_BYTES, loading_sentence
from app.invoicing.mapping import unused_category_columns
from app.invoicing.mapping_step import MappingStep
from app.invoicing.planned import Defaults, PlannedInvoice
from app.invoicing.records import LoadResult
from app.invoicing.results import DraftProgress, DraftReport
from app.invoicing.revenue_mapping import MappingOptions
from app.invoicing.run import RunReport, file_problems, progress_text
from app.invoicing.sentences import (
    AGAIN_WINDOW,
    CHANGED_HINT_WINDOW,
    FINISHED_WINDOW,
    HISTORY_NOTES_BOX,
    HISTORY_NOTES_TIP,
    failed_window_sentence,
    plan_counts_sentence,
    rows_count_sentence,
    tracking_from_file_label,
    tracking_from_file_sentence,
)
from app.invoicing.tracking import NO_TRACKING
from app.model import ConnectionModel
from app.ui.invoices_session import (
    DraftSession,
    PlanOutcome,
    QuoteRow,
    draft_selected,
    export_rows,
    invoice_url,
    plan_quotes,
)
from app.ui.mapping_view import MappingView
from app.ui.quote_table import (
    CHANGES,
    CHECK,
    CUSTOMER,
    DATE,
    LINES,
    NUMBER,
    STATUS,
    TOTAL,
    QuoteTable,
    QuoteTableModel,
)
from app.ui.widgets import Notice, NoticeKind, action_button, busy_bar, icon
from app.ui.workers import Task, run_task

WINDOW_SIZE = (900, 600)
FILE_FILTER = "Quotes and orders (*.csv *.json *.txt *.tsv);;All files (*)"


def open_url(url: str) -> None:
    QDesktopServices.openUrl(QUrl(url))


class ProgressRelay(QObject):
    """Created in the GUI thread; the worker emits, Qt queues the call to the GUI thread."""

    progressed = Signal(object)
    loading = Signal(str)  # the loader's progress sentence for a large file

    def emit_from_worker(self, progress: DraftProgress) -> None:
        with contextlib.suppress(RuntimeError):  # the window was deleted: the run still finishes
            self.progressed.emit(progress)

    def loader_progress(self, name: str) -> Callable[[int, int], None]:
        def report(read: int, size: int) -> None:
            if size >= SHOW_FROM_BYTES:
                with contextlib.suppress(RuntimeError):
                    self.loading.emit(loading_sentence(name, read, size))

        return report


class Busy(StrEnum):
    """What the Draft window is doing in the background, if anything."""

    IDLE = ""
    LOADING = "loading"  # a file or Xero's quotes
    PLANNING = "planning"
    DRAFTING = "drafting"


class InvoicesWindow(QWidget):
    """One window per profile (the opener in app.ui.main keeps it)."""

    run_finished = Signal(object)  # the DraftReport (for tests and the tray)
    rows_changed = Signal()
    last_folder = ""  # where the last file was loaded from, in this session (every window starts there)

    def __init__(
        self,
        model: ConnectionModel,
        *,
        opener: Callable[[str], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.opener = opener or open_url
        self.session: DraftSession | None = None
        self._columns_of: Path | None = None  # the file whose columns were read (not quotes from Xero)
        self._outcome: PlanOutcome | None = None  # the latest plan, for its summary
        self.report: DraftReport | None = None
        self.short_code = ""  # the organisation's, once planned: "Open in Xero" opens the invoice there
        self.cancel_event: threading.Event | None = None
        self._task: Task | None = None
        self._busy = Busy.IDLE
        self.relay = ProgressRelay(self)
        self.relay.progressed.connect(self._progressed, Qt.ConnectionType.QueuedConnection)
        self.relay.loading.connect(self._loading_progress, Qt.ConnectionType.QueuedConnection)
        organisation = model.settings.tenant_name or "Xero"
        self.setWindowTitle(f"Draft invoices — {organisation}")
        self.setWindowIcon(icon("xero-connect"))
        self.resize(*WINDOW_SIZE)
        self.setMinimumSize(640, 420)
        self.setAcceptDrops(True)
        self._build()
        self._update_controls()
        for keys in (QKeySequence(Qt.Key.Key_Escape), QKeySequence(QKeySequence.StandardKey.Close)):
            QShortcut(keys, self, self.close)  # Esc and Ctrl+W (the platform's Close) close the window

    # ----- building -----
    def _button(self, text: str, accessible: str, slot: Callable[[], object], tip: str = "") -> QPushButton:
        return action_button(text, accessible, slot, tip or accessible)

    def _build(self) -> None:
        self.load_file_button = self._button(
            "&Load file…",
            "Load quotes or orders from a file",
            self.choose_file,
            "Load a CSV or JSON export of quotes or orders (you can also drop the file on this window)",
        )
        self.load_xero_button = self._button(
            "Load accepted quotes from &Xero", "Load accepted quotes from Xero", self.load_from_xero
        )
        self.drop_hint = QLabel("or drop a CSV or JSON file here")
        self.drop_hint.setEnabled(False)  # the theme's muted text
        top = QHBoxLayout()
        top.addWidget(self.load_file_button)
        top.addWidget(self.load_xero_button)
        top.addWidget(self.drop_hint)
        top.addStretch(1)

        self.notice = Notice("Draft invoices status")
        self.busy = busy_bar("Working")
        self.mapping_row = self._build_mapping()

        self.table_model = QuoteTableModel(self)
        self.table_model.checks_changed.connect(self._update_controls)
        self.table = QuoteTable()
        self.table.setModel(self.table_model)
        self.table.setAccessibleName("Quotes")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table: every button stays reachable
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        for column, mode in (
            (CHECK, QHeaderView.ResizeMode.ResizeToContents),
            (NUMBER, QHeaderView.ResizeMode.ResizeToContents),
            (CUSTOMER, QHeaderView.ResizeMode.Interactive),
            (DATE, QHeaderView.ResizeMode.ResizeToContents),
            (LINES, QHeaderView.ResizeMode.ResizeToContents),
            (TOTAL, QHeaderView.ResizeMode.ResizeToContents),
            (CHANGES, QHeaderView.ResizeMode.Interactive),
            (STATUS, QHeaderView.ResizeMode.Stretch),
        ):
            header.setSectionResizeMode(column, mode)
        header.resizeSection(CUSTOMER, 190)
        header.resizeSection(CHANGES, 150)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_controls())
        # The status column elides long reasons: the selected row's whole sentence shows here.
        self.detail = QLabel()
        self.detail.setAccessibleName("Selected quote")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table.doubleClicked.connect(lambda _index: self.open_in_xero())
        self.table_label = QLabel("&Quotes:")
        self.table_label.setBuddy(self.table)
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Quote count")
        label_row = QHBoxLayout()
        label_row.addWidget(self.table_label)
        label_row.addStretch(1)
        label_row.addWidget(self.count_label)

        self.select_all_button = self._button(
            "Select &all", "Select all new quotes", lambda: self.table_model.check_all(True)
        )
        self.select_none_button = self._button(
            "Select &none", "Select no quote", lambda: self.table_model.check_all(False)
        )
        self.open_button = self._button(
            "&Open in Xero", "Open the selected invoice in Xero", self.open_in_xero
        )
        self.update_button = self._button(
            "&Update in Xero",
            "Update the selected quote's draft invoice in Xero",
            self.update_selected,
            "The file now says something else than the draft invoice in Xero: update that draft in place "
            "(only while it is still a draft)",
        )
        self.export_button = self._button(
            "&Export results…", "Export the results to a CSV file", self.choose_export
        )
        self.use_contact_button = self._button(
            "Use &existing contact",
            "Draft the selected quote for the existing Xero contact",
            lambda: self.choose_contact(True),
            "Xero has a contact whose name nearly matches this customer, or that has its e-mail address: "
            "draft the quote for that contact",
        )
        self.new_contact_button = self._button(
            "Create ne&w contact",
            "Create a new Xero contact for the selected quote's customer",
            lambda: self.choose_contact(False),
            "The near match in Xero is another customer: create a new contact with the file's name",
        )
        table_buttons = QHBoxLayout()
        table_buttons.addWidget(self.select_all_button)
        table_buttons.addWidget(self.select_none_button)
        table_buttons.addStretch(1)
        table_buttons.addWidget(self.use_contact_button)
        table_buttons.addWidget(self.new_contact_button)
        table_buttons.addWidget(self.update_button)
        table_buttons.addWidget(self.open_button)
        table_buttons.addWidget(self.export_button)

        self.progress = QProgressBar()
        self.progress.setAccessibleName("Drafting progress")
        self.progress.setTextVisible(True)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress_label = QLabel("&Progress:")
        self.progress_label.setBuddy(self.progress)
        self.progress_row = QWidget()
        progress_layout = QHBoxLayout(self.progress_row)
        progress_layout.setContentsMargins(0, 0, 0, 0)
        progress_layout.addWidget(self.progress_label)
        progress_layout.addWidget(self.progress, 1)
        self.progress_row.hide()

        self.summary = QLabel()
        self.summary.setAccessibleName("Summary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)

        self.cancel_button = self._button(
            "Cancel", "Cancel drafting after the batch in flight", self.cancel_run
        )
        self.cancel_button.hide()
        self.create_button = self._button(
            "&Create draft invoices", "Create draft invoices for the checked quotes", self.start_drafting
        )
        self.create_button.setDefault(True)
        self.notes_box = QCheckBox(HISTORY_NOTES_BOX)
        self.notes_box.setChecked(True)
        self.notes_box.setToolTip(HISTORY_NOTES_TIP)
        self.notes_box.toggled.connect(self._notes_toggled)
        self._notes_chosen = False  # ticked or unticked in this window: no plan resets it
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.notes_box)
        bottom.addWidget(self.cancel_button)
        bottom.addWidget(self.create_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addWidget(self.busy)
        # The mapping step: a file's columns and the first quotes, before the plan (app.ui.mapping_view).
        self.mapping_view = MappingView()
        self.mapping_view.applied.connect(self._apply_mapping)
        self.mapping_view.hide()
        layout.addWidget(self.mapping_view)
        layout.addWidget(self.mapping_row)
        layout.addLayout(label_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addLayout(table_buttons)
        layout.addWidget(self.progress_row)
        layout.addLayout(bottom)

        order = [
            self.load_file_button,
            self.load_xero_button,
            self.account_box,
            self.tax_box,
            self.table,
            self.select_all_button,
            self.select_none_button,
            self.use_contact_button,
            self.new_contact_button,
            self.update_button,
            self.open_button,
            self.export_button,
            self.cancel_button,
            self.create_button,
        ]
        for first, second in itertools.pairwise(order):
            self.setTabOrder(first, second)
        self.notice.show_message(
            NoticeKind.INFO,
            "Load a CSV or JSON file of quotes or orders, or the organisation's accepted quotes from Xero.",
        )

    def _build_mapping(self) -> QWidget:
        """The revenue account and tax rate for lines without their own, from the organisation's lists
        (filled by the plan); a choice is remembered for the organisation and re-plans the quotes."""
        self.account_box = QComboBox()
        self.account_box.setAccessibleName("Revenue account")
        self.tax_box = QComboBox()
        self.tax_box.setAccessibleName("Tax rate")
        self.tracking_boxes: dict[str, QComboBox] = {}  # one per active tracking category, by its name
        self.tracking_labels: dict[str, QLabel] = {}
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        for text, box in (("Revenue &account:", self.account_box), ("&Tax rate:", self.tax_box)):
            label = QLabel(text)
            label.setBuddy(box)
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            box.activated.connect(lambda _index: self._mapping_chosen())
            layout.addWidget(label)
            layout.addWidget(box)
        self.tracking_row = QHBoxLayout()
        self.tracking_row.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.tracking_row)
        layout.addStretch(1)
        row.hide()
        return row

    def _show_tracking(self, options: MappingOptions) -> None:
        """A dropdown per active tracking category: (none) and its active options; built again only when
        the organisation's categories or options change."""
        wanted = [(name, [NO_TRACKING, *names]) for name, names in options.tracking]
        shown = [
            (name, [box.itemText(i) for i in range(box.count())]) for name, box in self.tracking_boxes.items()
        ]
        if wanted != shown:
            while self.tracking_row.count():
                item = self.tracking_row.takeAt(0)
                widget = item.widget() if item is not None else None
                if widget is not None:
                    widget.deleteLater()
            self.tracking_boxes, self.tracking_labels = {}, {}
            previous: QWidget = self.tax_box
            for name, names in wanted:
                box = QComboBox()
                box.setAccessibleName(f"Tracking {name}")
                box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
                for text in names:
                    box.addItem(text, "" if text == NO_TRACKING else text)
                box.activated.connect(lambda _index: self._tracking_chosen())
                label = QLabel(f"{name}:")
                label.setBuddy(box)
                self.tracking_row.addWidget(label)
                self.tracking_row.addWidget(box)
                self.tracking_boxes[name], self.tracking_labels[name] = box, label
                self.setTabOrder(previous, box)
                previous = box
            self.setTabOrder(previous, self.table)
        chosen = {k.casefold(): v for k, v in options.tracking_chosen.items()}
        from_file = self._tracking_columns()
        for name, box in self.tracking_boxes.items():
            box.setCurrentIndex(max(0, box.findData(chosen.get(name.casefold(), ""))))
            column = from_file.get(name.casefold())
            self.tracking_labels[name].setText(tracking_from_file_label(name) if column else f"{name}:")
            box.setToolTip(tracking_from_file_sentence(column, name) if column else options.sentence)
            box.setEnabled(not self._busy)

    def _tracking_columns(self) -> dict[str, str]:
        """Category (casefolded) -> the loaded file's column that sets it, line by line."""
        if self.session is None or self.session.loaded.mapping is None:
            return {}
        mapping = self.session.loaded.mapping
        return {
            category.casefold(): mapping.columns[index].name
            for category, index in mapping.tracking_columns().items()
        }

    def _tracking_chosen(self) -> None:
        if self._busy or self.session is None:
            return
        chosen = {
            name: str(box.currentData()) for name, box in self.tracking_boxes.items() if box.currentData()
        }
        self._plan(tracking=chosen)

    def _show_mapping(self, options: MappingOptions | None) -> None:
        if options is None:
            return
        for box, choices, selected in (
            (self.account_box, options.accounts, options.account_code),
            (self.tax_box, options.tax_rates, options.tax_type),
        ):
            box.blockSignals(True)
            box.clear()
            for choice in choices:
                box.addItem(choice.label, choice.code)
            box.setCurrentIndex(max(0, box.findData(selected)))
            box.blockSignals(False)
        self.account_box.setToolTip(options.sentence)
        self.tax_box.setToolTip(options.sentence)
        self._show_tracking(options)
        self.mapping_row.show()

    def _mapping_chosen(self) -> None:
        if self._busy or self.session is None:
            return
        account, tax = self.account_box.currentData(), self.tax_box.currentData()
        if account and tax:
            self._plan(Defaults(str(account), str(tax)))

    # ----- state -----
    @property
    def busy_with(self) -> Busy:
        return self._busy

    @property
    def rows(self) -> list[QuoteRow]:
        return self.table_model.rows

    def _current_row(self) -> QuoteRow | None:
        index = self.table.currentIndex()
        return self.rows[index.row()] if index.isValid() and index.row() < len(self.rows) else None

    def _set_busy(self, what: Busy) -> None:
        self._busy = what
        self.busy.setVisible(what in (Busy.LOADING, Busy.PLANNING))
        self._update_controls()

    @Slot()
    def _update_controls(self) -> None:
        idle = not self._busy
        planned = self.session is not None and self.session.plan is not None
        checked = self.session.checked_count() if self.session is not None else 0
        self.load_file_button.setEnabled(idle)
        self.load_xero_button.setEnabled(idle)
        self.notes_box.setEnabled(idle)
        self.account_box.setEnabled(idle)
        self.tax_box.setEnabled(idle)
        for box in self.tracking_boxes.values():
            box.setEnabled(idle)
        self.table.setEnabled(self._busy != Busy.DRAFTING)
        has_rows = bool(self.rows)
        self.select_all_button.setEnabled(idle and has_rows)
        self.select_none_button.setEnabled(idle and has_rows)
        self.export_button.setEnabled(idle and has_rows)
        current = self._current_row()
        self.open_button.setEnabled(bool(current and current.invoice_id))
        self.update_button.setEnabled(idle and planned and bool(current and current.updatable))
        near = bool(current and current.near_contacts)
        for button in (self.use_contact_button, self.new_contact_button):
            button.setVisible(near)
            button.setEnabled(idle and near)
        self.detail.setText(f"{current.number or 'Row'}: {current.status_text}" if current else "")
        self.detail.setVisible(current is not None)
        self.create_button.setEnabled(idle and planned and checked > 0)
        if has_rows:
            invalid = sum(1 for row in self.rows if row.state in ("invalid", "problem"))
            self.count_label.setText(rows_count_sentence(len(self.rows), checked, invalid))
        else:
            self.count_label.setText("")

    # ----- loading and planning -----
    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load quotes or orders", self.start_folder(), FILE_FILTER)
        if path:
            self.load_file(path)

    @classmethod
    def start_folder(cls) -> str:
        """The folder the last file came from, else Documents."""
        return cls.last_folder or QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation
        )

    def load_file(self, path: str | Path) -> Task | None:
        """First the mapping step (the columns and a preview, read in a worker); a settled mapping goes
        straight on to the whole file and the plan, an unsettled one waits for the user."""
        if self._busy:
            return None
        type(self).last_folder = str(Path(path).parent)
        self._columns_of = Path(path)
        self.summary.clear()
        self.notice.show_message(NoticeKind.INFO, f"Reading the columns of {Path(path).name}…")
        self._set_busy(Busy.LOADING)
        categories = list(self.tracking_boxes)  # the organisation's, once planned: offered and guessed
        self._task = run_task(
            lambda: MappingStep(path, categories=categories), self._mapped, self._failed, name="read_columns"
        )
        return self._task

    def _mapped(self, step: MappingStep) -> None:
        self._task = None
        self._set_busy(Busy.IDLE)
        self.mapping_view.setVisible(step.is_csv)
        self.mapping_view.show_step(step)
        self.mapping_view.set_expanded(not step.settled)
        if step.settled:
            self._apply_mapping(step)
        else:  # the blocking sentences in the notice; nothing is planned until the mapping is settled
            self._loaded(step.loaded)

    def _apply_mapping(self, step: MappingStep) -> Task | None:
        path, request, name = step.path, step.request(), step.path.name
        progress = self.relay.loader_progress(name)
        return self._load(
            lambda: sources.load_file(path, request, progress=progress), f"Reading {name}…", "load_file"
        )

    @Slot(str)
    def _loading_progress(self, sentence: str) -> None:
        if self._busy == Busy.LOADING:
            self.notice.show_message(NoticeKind.INFO, sentence)

    def load_from_xero(self) -> Task | None:
        model = self.model
        self._columns_of = None
        self.mapping_view.hide()
        return self._load(
            lambda: sources.load_xero_quotes(model.client()),
            "Reading the organisation's accepted quotes from Xero…",
            "load_xero_quotes",
        )

    def _load(self, fn: Callable[[], LoadResult], message: str, name: str) -> Task | None:
        if self._busy:
            return None
        self.summary.clear()
        self.progress_row.hide()
        self.notice.show_message(NoticeKind.INFO, message)
        self._set_busy(Busy.LOADING)
        self._task = run_task(fn, self._loaded, self._failed, name=name)
        return self._task

    def _loaded(self, loaded: LoadResult) -> None:
        self.session = DraftSession(loaded)
        self._outcome = None  # until these quotes are planned
        self.report = None
        self.table_model.set_rows(self.session.rows)
        self.rows_changed.emit()
        if not loaded.quotes:
            problems = file_problems(loaded)
            self._task = None
            self._set_busy(Busy.IDLE)
            text = " ".join(problems) if problems else "No quotes or orders were found to draft."
            self.notice.show_message(NoticeKind.ERROR if problems else NoticeKind.WARNING, text)
            return
        self._plan()

    def _plan(self, chosen: Defaults | None = None, tracking: dict[str, str] | None = None) -> None:
        assert self.session is not None
        model, loaded, contacts = self.model, self.session.loaded, dict(self.session.contact_choices)
        self.notice.show_message(NoticeKind.INFO, "Checking the quotes against the organisation in Xero…")
        self._set_busy(Busy.PLANNING)
        self._task = run_task(
            lambda: plan_quotes(model, loaded, chosen, contacts, tracking),
            self._planned,
            self._failed,
            name="make_plan",
        )

    def choose_contact(self, use_existing: bool) -> None:
        """The per-row answer to a near-match customer; the quotes are planned again with it."""
        row = self._current_row()
        if self._busy or self.session is None or row is None or not row.near_contacts:
            return
        self.session.choose_contact(row, use_existing)
        self._plan()

    def _planned(self, outcome: PlanOutcome) -> None:
        self._task = None
        assert self.session is not None
        self.short_code = outcome.short_code or self.short_code
        self.session.apply_plan(outcome)
        self.table_model.set_rows(self.session.rows)
        self._set_busy(Busy.IDLE)
        self._show_mapping(outcome.mapping)
        self.rows_changed.emit()
        if outcome.problem:
            self.notice.show_message(NoticeKind.ERROR, outcome.problem)
            return
        path, categories = self._columns_of, list(self.tracking_boxes)
        if path is not None and unused_category_columns(self.session.loaded.mapping, categories):
            # The organisation's categories are known only now: its columns are read again, guessing
            # a column named as one of them (with a note), so none is dropped in silence.
            self._columns_of = None  # once per file
            self.load_file(path)
            return
        self._outcome = outcome
        if not self._notes_chosen:  # as the organisation's last run in the window had it
            self.notes_box.blockSignals(True)
            self.notes_box.setChecked(outcome.history_notes)
            self.notes_box.blockSignals(False)
        self._show_plan_summary()
        if self.rows:
            self.table.setFocus()

    def _notes_toggled(self, _on: bool) -> None:
        self._notes_chosen = True
        self._show_plan_summary()

    def _show_plan_summary(self) -> None:
        """The plan's counts and the calls the run would make (with or without History notes)."""
        outcome, session = self._outcome, self.session
        if outcome is None or session is None or self._busy:
            return
        new = sum(1 for row in self.rows if row.state == "new")
        before = sum(1 for row in self.rows if row.state in ("drafted_before", "found"))
        changed = sum(1 for row in self.rows if row.state == "changed")
        invalid = sum(1 for row in self.rows if row.state in ("invalid", "problem"))
        text = plan_counts_sentence(new, before, changed, invalid, CHANGED_HINT_WINDOW) + "."
        notes = self.notes_box.isChecked()
        if new:
            text += " " + outcome.calls_sentence(notes)
        problems = file_problems(session.loaded)
        if problems:
            text += " " + " ".join(problems)
        worry = invalid or problems or changed or not outcome.fits_today(notes)
        self.notice.show_message(NoticeKind.WARNING if worry else NoticeKind.INFO, text)

    def _failed(self, sentence: str) -> None:
        """Any core failure: its own sentence, in the notice (never a traceback)."""
        self._task = None
        if self._busy == Busy.DRAFTING:
            self._end_run()
        elif self._busy == Busy.PLANNING:
            self._outcome = None  # its summary is no longer true
            if self.session is not None:
                self.session.plan_failed(sentence)  # no row is left "Checking…" under the notice
                self.table_model.set_rows(self.session.rows)
                self.rows_changed.emit()
        self._set_busy(Busy.IDLE)
        self.notice.show_message(NoticeKind.ERROR, sentence)

    # ----- drafting -----
    def start_drafting(self) -> Task | None:
        if self._busy or self.session is None or self.session.plan is None:
            return None
        entries = self.session.to_send()
        if not self.session.checked_count():
            return None
        return self._run(entries, update_changed=False)

    def update_selected(self) -> Task | None:
        """The per-row action: update the selected changed quote's DRAFT invoice in place."""
        row = self._current_row()
        if self._busy or self.session is None or row is None or not row.updatable:
            return None
        entries = [e for e in self.session.plan or [] if e.source_id == row.source_id]
        return self._run(entries, update_changed=True)

    def _run(self, entries: list[PlannedInvoice], update_changed: bool) -> Task | None:
        self.report = None
        self.cancel_event = threading.Event()
        self.progress.setRange(0, max(1, len(entries)))
        self.progress.setValue(0)
        self.progress.setFormat("Starting…")
        self.progress_row.show()
        self.summary.clear()
        self.cancel_button.setText("Cancel")
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        self.notice.show_message(
            NoticeKind.INFO,
            "Updating the draft invoice in Xero…" if update_changed else "Creating draft invoices in Xero…",
        )
        self._set_busy(Busy.DRAFTING)
        model, cancel, relay = self.model, self.cancel_event, self.relay
        notes = self.notes_box.isChecked()

        def work() -> DraftReport:
            progress = relay.emit_from_worker
            return draft_selected(
                model, entries, progress, cancel, update_changed=update_changed, history_notes=notes
            )

        self._task = run_task(work, self._drafted, self._failed, name="draft_invoices")
        self.cancel_button.setFocus()
        return self._task

    @Slot(object)
    def _progressed(self, p: DraftProgress) -> None:
        if self._busy != Busy.DRAFTING:
            return
        if p.phase == "locked":
            self.notice.show_message(NoticeKind.WARNING, p.note)
            self.progress.setFormat("Waiting for the other drafting run to finish")
            return
        self.progress.setRange(0, max(1, p.total))
        self.progress.setValue(min(p.done, p.total))
        self.progress.setFormat(progress_text(p))

    def cancel_run(self) -> None:
        if self.cancel_event is not None and self._busy == Busy.DRAFTING:
            self.cancel_event.set()  # the core stops after the batch in flight; the ledger stays whole
            self.cancel_button.setText("Stopping after this batch…")
            self.cancel_button.setEnabled(False)
            self.notice.show_message(NoticeKind.WARNING, "Stopping after the batch in flight…")

    def _end_run(self) -> None:
        self.cancel_button.hide()
        self.cancel_event = None

    def _drafted(self, report: DraftReport) -> None:
        self._task = None
        assert self.session is not None
        report = self.session.apply_report(report)
        self.report = report
        self._outcome = None  # the run's own sentence replaces the plan's summary
        self._end_run()
        self._set_busy(Busy.IDLE)
        self.table_model.refresh()
        self.rows_changed.emit()
        if not report.stopped and not report.cancelled:
            self.progress.setValue(self.progress.maximum())
        run = RunReport(report)
        self.summary.setText(run.summary)
        if report.cancelled:
            self.notice.show_message(NoticeKind.WARNING, run.cancelled(AGAIN_WINDOW))
        elif report.stopped:
            self.notice.show_message(NoticeKind.ERROR, report.stopped)
        elif report.failed:
            self.notice.show_message(NoticeKind.ERROR, failed_window_sentence(report.failed))
        elif report.count("changed"):
            first = next(r for r in report.results if r.status == "changed")
            self.notice.show_message(NoticeKind.WARNING, f"{first.number}: {first.sentence()}")
        elif report.count("updated") and not report.drafted:
            first = next(r for r in report.results if r.status == "updated")
            self.notice.show_message(NoticeKind.SUCCESS, f"{first.number}: {first.sentence()}")
        else:
            finished = " ".join(part for part in (FINISHED_WINDOW, run.recovered, run.notes) if part)
            self.notice.show_message(NoticeKind.WARNING if run.notes else NoticeKind.SUCCESS, finished)
        self.run_finished.emit(report)
        self.create_button.setFocus()

    # ----- results -----
    def open_in_xero(self) -> None:
        row = self._current_row()
        if row is not None and row.invoice_id:
            self.opener(invoice_url(self.model, row.invoice_id, self.short_code))

    def choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export results", "draft-invoice-results.csv", "CSV files (*.csv)"
        )
        if path:
            self.export_to(path)

    def export_to(self, path: str | Path) -> None:
        try:
            export_rows(self.rows, path)
        except OSError as exc:
            self.notice.show_message(
                NoticeKind.ERROR,
                f"The results could not be saved to {Path(path).name} ({exc.strerror or exc}).",
            )
            return
        self.notice.show_message(NoticeKind.SUCCESS, f"Results saved to {path}.")

    # ----- drag and drop, closing -----
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if not self._busy and len(urls) == 1 and urls[0].isLocalFile():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()
            self.load_file(urls[0].toLocalFile())

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._busy == Busy.DRAFTING and not self._stop_and_close():
            event.ignore()
            return
        # A run goes on to the end of its batch (the ledger must record it); later results are ignored.
        if self.cancel_event is not None:
            self.cancel_event.set()
        super().closeEvent(event)

    def _stop_and_close(self) -> bool:
        """Closing mid-run asks first; "Keep drafting" leaves the window open and the run going."""
        question = (
            "Stop drafting and close? The batch being sent now is finished and recorded; the quotes "
            "not sent yet stay ready for the next run, never drafted twice."
        )
        box = QMessageBox(QMessageBox.Icon.Question, self.windowTitle(), question, parent=self)
        stop = box.addButton("Stop and close", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(box.addButton("Keep drafting", QMessageBox.ButtonRole.RejectRole))
        box.exec()
        return box.clickedButton() is stop

    @property
    def running(self) -> bool:
        return bool(self._busy)
