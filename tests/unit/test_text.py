"""printable(): no C0 or C1 control character survives; everything printable does."""

from __future__ import annotations

import doctest

import pytest

import app.text
from app.text import printable

CONTROLS = [chr(c) for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]]


def test_the_docstring_examples_hold():
    assert doctest.testmod(app.text).failed == 0


@pytest.mark.parametrize("keep", [False, True])
def test_no_control_character_survives(keep):
    text = "a" + "b".join(CONTROLS) + "z"
    cleaned = printable(text, keep_line_breaks=keep)
    allowed = {"\n"} if keep else set()
    assert not (set(cleaned) & (set(CONTROLS) - allowed))
    assert cleaned.startswith("a") and cleaned.endswith("z")


def test_printable_text_of_any_script_is_kept():
    text = "Café Zoë £ 株式会社 Ωμέγα שלום 🙂 «quotes» – dash \u00a0nbsp"
    assert printable(text) == text
    assert printable(text, keep_line_breaks=True) == text


def test_spacing_controls_keep_words_apart_and_line_breaks_can_be_kept():
    assert printable("one\ttwo\nthree\r\nfour") == "one two three  four"
    assert printable("one\ttwo\nthree\r\nfour\x85five", keep_line_breaks=True) == "one two\nthree\nfour\nfive"


def test_escape_sequences_lose_their_escape():
    assert printable("\x1b[2J\x1b]52;c;ZXZpbA==\x07\x9b31mred") == "[2J]52;c;ZXZpbA==31mred"
