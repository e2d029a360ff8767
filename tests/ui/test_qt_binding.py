"""Guards the Qt binding pin in pyproject.toml: PySide6 6.12.0 over-releases the bool a Python override
of a virtual returns (QWizardPage.isComplete), which crashes Python 3.11 after a few hundred calls."""

import subprocess
import sys

PROBE = """
import sys
from PySide6.QtWidgets import QApplication, QWizard, QWizardPage
app = QApplication([])
class Page(QWizardPage):
    def isComplete(self):
        return True
wizard = QWizard(); page = Page(); wizard.addPage(page)
before = sys.getrefcount(True)
for _ in range(3000):
    page.completeChanged.emit()
print(sys.getrefcount(True) - before)
"""


def test_bool_returned_by_a_virtual_override_keeps_its_reference_count():
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=60,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr[-500:]
    assert abs(int(result.stdout.strip())) < 50
