"""The desktop UI (PySide6): the setup wizard, its pages and the thread helper they share."""
