"""Render resources/icons/xero-connect.svg to the PNG sizes desktops and installers ask for.

Run after changing the SVG: `.venv/bin/python packaging/render_icons.py`; the PNGs are committed, so
building a bundle or installing needs no SVG renderer. Qt's own renderer is used because the program
already depends on it (no Inkscape or rsvg needed).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SIZES = (16, 32, 48, 64, 128, 256)
NAME = "xero-connect"


def render(svg: Path, size: int, target: Path) -> None:
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    if not image.save(str(target), "PNG"):
        raise SystemExit(f"could not write {target}")


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no display needed to render
    _app = QGuiApplication(sys.argv[:1])  # QImage/QPainter text and SVG need a GUI application object
    svg = ICONS / f"{NAME}.svg"
    for size in SIZES:
        target = ICONS / f"{NAME}-{size}.png"
        render(svg, size, target)
        print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
