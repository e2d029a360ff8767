"""The profile options work before and after the command."""

import pytest

from app.cli import _profile, _sandbox_flag_takes_no_word, build_parser
from app.xero.endpoints import DEFAULT_SANDBOX_URL


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--xero", "status"], ("xero", None)),
        (["status", "--xero"], ("xero", None)),
        (["--sandbox", "check"], ("sandbox", DEFAULT_SANDBOX_URL)),
        (["check", "--sandbox=http://127.0.0.1:9"], ("sandbox", "http://127.0.0.1:9")),
        (["--sandbox=http://127.0.0.1:9", "draft", "q.csv"], ("sandbox", "http://127.0.0.1:9")),
        (["status"], (None, None)),
        (["draft", "--sandbox", "quotes.csv"], ("sandbox", DEFAULT_SANDBOX_URL)),
        (["draft", "--sandbox", "http://127.0.0.1:9", "q.csv"], ("sandbox", "http://127.0.0.1:9")),
    ],
)
def test_profile_from_either_side_of_the_command(argv, expected):
    assert _profile(build_parser().parse_args(_sandbox_flag_takes_no_word(argv))) == expected


def test_the_secret_can_never_be_given_on_the_command_line():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["connect", "--client-secret", "x"])
