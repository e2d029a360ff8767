"""The profile options work before and after the command."""

import pytest

from app.cli import _sandbox_flag_takes_no_word, build_parser, main
from app.cli.draft_options import EXIT_REFUSED
from app.cli.options import chosen_profile as _profile
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


def test_the_draft_options_of_what_xero_receives():
    args = build_parser().parse_args(
        [
            "draft",
            "q.csv",
            "--tracking",
            "Region=North",
            "--tracking",
            "Department=Sales",
            "--use-contact",
            "ACME Limited=Acme Ltd",
            "--new-contact",
            "Bay Side",
            "--keep-quote-date",
        ]
    )
    assert args.tracking == ["Region=North", "Department=Sales"]
    assert (args.use_contact, args.new_contact, args.keep_quote_date) == (
        ["ACME Limited=Acme Ltd"],
        ["Bay Side"],
        True,
    )


def test_a_malformed_tracking_option_is_refused_before_anything_else(tmp_path, capsys):
    assert main(["draft", str(tmp_path / "missing.csv"), "--tracking", "Region"]) == EXIT_REFUSED
    assert 'write it as "Category=Option"' in capsys.readouterr().err
