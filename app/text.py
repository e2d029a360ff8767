"""Text from outside (a callback's error_description, CRM data) made safe to print and to send on.

One helper for the whole program, Qt-free, so the CLI, the UI and the loaders strip the same way.
"""

from __future__ import annotations

import re

# C0 controls (U+0000-U+001F), DEL (U+007F) and C1 controls (U+0080-U+009F). ESC starts a terminal
# escape sequence and U+009B (CSI) is a one-character ESC [; both can rewrite the screen, retitle the
# window or, in some terminals, write files or run commands.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]")  # every way a line can end
_SPACING = frozenset("\t\n\r\x0b\x0c\x85")  # controls that separate words: become a space


def printable(text: str, *, keep_line_breaks: bool = False) -> str:
    """``text`` without any C0 or C1 control character, otherwise unchanged.

    Tabs and line breaks become a space (so words stay apart); every other control character is
    removed. With ``keep_line_breaks`` each line break (CR LF, CR, LF, VT, FF, NEL, U+2028, U+2029)
    becomes one "\\n" instead, for multi-line fields such as a line item's description; tabs still
    become spaces. Printable text, including every non-Latin script and emoji, is kept as it is.

    >>> printable("Acme\\x1b]0;owned\\x07 Ltd\\nBranch")
    'Acme]0;owned Ltd Branch'
    >>> printable("one\\r\\ntwo\\x9b2J", keep_line_breaks=True)
    'one\\ntwo2J'
    """
    if keep_line_breaks:
        return "\n".join(_strip(line) for line in _BREAKS.split(text))
    return _strip(text)


def _strip(text: str) -> str:
    return _CONTROLS.sub(lambda match: " " if match.group() in _SPACING else "", text)
