"""The shared building blocks: instructions and notices choose plain or rich text, both selectable."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.ui.widgets import Notice, instructions


def test_instructions_are_rich_only_with_markup_and_always_selectable(qtbot) -> None:
    rich = instructions("<b>bold</b> words")
    plain = instructions("plain words")
    qtbot.addWidget(rich)
    qtbot.addWidget(plain)
    assert rich.textFormat() == Qt.TextFormat.RichText and plain.textFormat() == Qt.TextFormat.PlainText
    assert rich.textInteractionFlags() == Qt.TextInteractionFlag.TextSelectableByMouse


def test_a_notice_keeps_server_text_plain_and_selectable(qtbot) -> None:
    notice = Notice()
    qtbot.addWidget(notice)
    notice.show_message("error", "Xero said: <script>x</script> is not valid.")
    assert notice.label.textFormat() == Qt.TextFormat.PlainText  # never rendered as markup
    assert notice.label.textInteractionFlags() == Qt.TextInteractionFlag.TextSelectableByMouse
    assert notice.icon.alignment() == Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter
    notice.show_message("info", "<b>Bold</b> from our own code")
    assert notice.label.textFormat() == Qt.TextFormat.RichText
