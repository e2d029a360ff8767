"""Child process of the memory benchmark; the parent reads its peak RSS with os.wait4.

``tray``: the tray-resident program (TrayController, status window offscreen) on the configured
sandbox profile, with one connection check done. ``bare``: a QApplication with a QSystemTrayIcon.
Both then run the event loop for SETTLE_MS so their windows are painted before they exit.
"""

from __future__ import annotations

import sys

SETTLE_MS = 300


def bare() -> int:
    from PySide6.QtGui import QIcon, QPixmap
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    app = QApplication(sys.argv[:1])
    pixmap = QPixmap(32, 32)
    pixmap.fill()
    tray = QSystemTrayIcon(QIcon(pixmap))
    tray.show()
    from PySide6.QtCore import QTimer

    QTimer.singleShot(SETTLE_MS, app.quit)
    app.exec()
    print("OK bare")
    return 0


def tray() -> int:
    from benchmarks.keyring_backend import install

    install()
    from PySide6.QtCore import QTimer

    from app.model import ConnectionModel
    from app.ui.main import application
    from app.ui.tray import TrayController

    app = application(quit_on_last_window=False)
    controller = TrayController(lambda: ConnectionModel("sandbox"), lambda: None, use_tray=False)
    outcome: list[str] = []

    def checked(state: str, message: str) -> None:
        outcome.append(f"{state}: {message}")
        QTimer.singleShot(SETTLE_MS, app.quit)

    controller.check_finished.connect(checked)
    controller.show()  # no system tray offscreen: the status window is the program
    controller.start(check=True)
    QTimer.singleShot(30_000, app.quit)  # a check that never ends must not hang the benchmark
    app.exec()
    controller.shutdown()
    from app.ui.workers import wait_for_workers

    wait_for_workers(5_000)
    print("OK " + (outcome[0] if outcome else "no check result"))
    return 0 if outcome and outcome[0].startswith("connected") else 1


if __name__ == "__main__":
    sys.exit({"bare": bare, "tray": tray}[sys.argv[1]]())
