"""Child process of the start-up benchmark: shows a wizard and prints perf_counter at its first page paint.

Run as ``python -m benchmarks.startup_child MODE`` with QT_QPA_PLATFORM=offscreen and a fresh
XERO_CONNECT_CONFIG_DIR. MODE is ``bare`` (a plain QWizard with one page), ``wizard`` (SetupWizard on a
fresh config, as the wizard-only start builds it) or ``cli`` (``xero-connect wizard --xero``
through app.cli.main). perf_counter is CLOCK_MONOTONIC on Linux, so the parent can subtract the
moment it started this process. Only the standard library is imported before the mode needs it.
"""

from __future__ import annotations

import os
import sys
import time


def _paint_hook(target):
    """An event filter that reports the first paint of a wizard page and exits.

    Installed on the page itself where the harness can reach it (bare, wizard): an application-wide
    filter makes PySide wrap every object it sees events for, a cost the program itself never pays.
    The cli mode reaches the page through SetupWizard.show.
    """
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QWizardPage

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and isinstance(obj, QWizardPage):
                painted = time.perf_counter()
                sys.stdout.write(f"PAINT {painted:.6f}\n")
                sys.stdout.flush()
                os._exit(0)  # the measurement is taken: skip teardown, which is not start-up
            return False

    hook = FirstPaint()
    target.installEventFilter(hook)
    return hook


def bare() -> None:
    from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWizard, QWizardPage

    app = QApplication(sys.argv[:1])
    wizard = QWizard()
    page = QWizardPage()
    _keep = _paint_hook(page)
    page.setTitle("Step 1")
    layout = QVBoxLayout(page)
    layout.addWidget(QLabel("A bare QWizard page."))
    wizard.addPage(page)
    wizard.resize(760, 560)
    wizard.show()
    app.exec()


def wizard() -> None:
    from app.ui.main import application

    app = application(quit_on_last_window=True)
    from app.model import ConnectionModel
    from app.ui.wizard import SetupWizard

    setup = SetupWizard(ConnectionModel("xero"))
    _keep = _paint_hook(setup.page(setup.startId()))
    setup.show()
    app.exec()


def cli() -> None:
    from app.cli import main
    from app.ui import wizard as wizard_module  # the command imports it anyway, only later

    hooks = []
    show = wizard_module.SetupWizard.show

    def show_watching_the_page(self) -> None:  # the page exists only once the command builds the wizard
        hooks.append(_paint_hook(self.page(self.startId())))
        show(self)

    wizard_module.SetupWizard.show = show_watching_the_page
    main(["wizard", "--xero"])


if __name__ == "__main__":
    {"bare": bare, "wizard": wizard, "cli": cli}[sys.argv[1]]()
    sys.exit("no page was painted")
