"""UI fixtures: the fake model for page tests without network, and a clean thread pool after each test."""

from __future__ import annotations

import gc

import pytest

from tests.helpers.fakes import FakeModel


@pytest.fixture(autouse=True)
def collect_widgets_between_tests(qapp):
    """Close and delete every window a test left, then collect Python garbage here, on the GUI thread,
    with no signal in delivery: PySide objects collected later, in the middle of another test's
    event processing, can crash the interpreter."""
    yield
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    from app.ui.workers import wait_for_workers

    wait_for_workers(20_000)
    for widget in QApplication.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    for _ in range(3):
        qapp.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


@pytest.fixture
def no_stray_workers(qapp):
    """Every background call a test started has finished (and been delivered) before the next test."""
    yield
    from app.ui.workers import in_flight, wait_for_workers

    assert wait_for_workers(20_000), "a background call is still running after the test"
    for _ in range(5):
        qapp.processEvents()
        if not in_flight():
            break


@pytest.fixture
def fake_model() -> FakeModel:
    return FakeModel()
