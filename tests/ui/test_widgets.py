"""The shared building blocks: properties set by name (the first page avoids PySide's Qt namespace)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app.ui.widgets import Notice, instructions, set_qt_property


def test_properties_set_by_name_equal_the_enums(qtbot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    set_qt_property(label, "alignment", "AlignTop|AlignHCenter")
    assert label.alignment() == Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter
    rich = instructions("<b>bold</b> words")
    plain = instructions("plain words")
    qtbot.addWidget(rich)
    qtbot.addWidget(plain)
    assert rich.textFormat() == Qt.TextFormat.RichText and plain.textFormat() == Qt.TextFormat.PlainText
    assert rich.textInteractionFlags() == Qt.TextInteractionFlag.TextSelectableByMouse


@pytest.mark.parametrize(("name", "keys"), [("alignment", "AlignTop|AlignHCentre"),
                                            ("textFormat", "Plaintext"), ("noSuchProperty", "X")])
def test_a_misspelt_name_or_key_fails_loudly(qtbot, name: str, keys: str) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    with pytest.raises(ValueError, match=name):
        set_qt_property(label, name, keys)


def test_a_notice_keeps_server_text_plain_and_selectable(qtbot) -> None:
    notice = Notice()
    qtbot.addWidget(notice)
    notice.show_message("error", "Xero said: <script>x</script> is not valid.")
    assert notice.label.textFormat() == Qt.TextFormat.PlainText  # never rendered as markup
    assert notice.label.textInteractionFlags() == Qt.TextInteractionFlag.TextSelectableByMouse
    notice.show_message("info", "<b>Bold</b> from our own code")
    assert notice.label.textFormat() == Qt.TextFormat.RichText
