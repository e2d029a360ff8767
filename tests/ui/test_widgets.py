"""The shared building blocks: instructions and notices choose plain or rich text, both selectable."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.ui.widgets import Notice, NoticeKind, instructions


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
    notice.show_message(NoticeKind.ERROR, "Xero said: <script>x</script> is not valid.")
    assert notice.label.textFormat() == Qt.TextFormat.PlainText  # never rendered as markup
    assert notice.label.textInteractionFlags() == Qt.TextInteractionFlag.TextSelectableByMouse
    assert notice.icon.alignment() == Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter
    notice.show_message(NoticeKind.INFO, "<b>Bold</b> from our own code")
    assert notice.label.textFormat() == Qt.TextFormat.RichText


def needed_height(label) -> int:
    """What the label's text needs at its width, measured on a fresh label (no size constraints)."""
    from PySide6.QtWidgets import QLabel

    probe = QLabel(label.text())
    probe.setFont(label.font())
    probe.setTextFormat(label.textFormat())
    probe.setWordWrap(True)
    return probe.heightForWidth(label.width())


def test_a_notice_refits_on_every_text_change(qtbot, fake_model) -> None:
    """On a real page at its real width: one line, then three, then one, then five, with no resize
    between them; each time exactly as tall as its text (nothing clipped, no empty lines)."""
    from app.ui import steps
    from app.ui.wizard import SetupWizard

    wizard = SetupWizard(fake_model, opener=lambda _url: None, start_id=steps.AUTHORIZE, autoload=False)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    label = wizard.page_for(steps.AUTHORIZE).hint.label
    three = (
        "Xero did not accept the redirect URI, so add exactly http://localhost:53682/callback to the "
        "app's redirect URIs in the Xero developer portal (the port is part of the match), save, and "
        "click Open the page again; Xero Connect keeps listening on that address meanwhile so you "
        "need not start over."
    )
    lines = []
    for kind, text in (
        (NoticeKind.INFO, "One short line."),
        (NoticeKind.WARNING, three),
        (NoticeKind.INFO, "One short line."),
        (NoticeKind.ERROR, f"{three} {three}"),
    ):
        wizard.page_for(steps.AUTHORIZE).hint.show_message(kind, text)
        qtbot.wait(50)  # let any layout pass run; the height must be right without a resize
        assert label.height() == needed_height(label), (text[:20], label.height(), needed_height(label))
        lines.append(round(label.height() / label.fontMetrics().lineSpacing()))
    assert lines[0] == lines[2] == 1 and lines[1] >= 3 and lines[3] > lines[1]
