"""The options every command shares: the profile (--sandbox [URL] / --xero) and the model it opens."""

from __future__ import annotations

import argparse

from app.model import ConnectionModel
from app.xero.endpoints import DEFAULT_SANDBOX_URL


def add_profile_options(parser: argparse.ArgumentParser, top_level: bool = False) -> None:
    """--sandbox/--xero before or after the command; a sub-command's unset default must not hide
    what was given before it (`xero-connect --xero status`)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--sandbox",
        nargs="?",
        const=DEFAULT_SANDBOX_URL,
        default=None if top_level else argparse.SUPPRESS,
        metavar="URL",
        help=f"use the local Xero sandbox (default {DEFAULT_SANDBOX_URL})",
    )
    group.add_argument(
        "--xero",
        action="store_true",
        default=False if top_level else argparse.SUPPRESS,
        help="use real Xero (login.xero.com, api.xero.com)",
    )


def chosen_profile(args: argparse.Namespace, default: str | None = None) -> tuple[str | None, str | None]:
    """(profile, sandbox URL) from --sandbox/--xero; None means the active profile."""
    if getattr(args, "sandbox", None):
        return "sandbox", args.sandbox
    if getattr(args, "xero", False):
        return "xero", None
    return default, None


def model_for(args: argparse.Namespace, default_profile: str | None = None) -> ConnectionModel:
    profile, url = chosen_profile(args, default_profile)
    model = ConnectionModel(profile)
    if url and url != model.settings.sandbox_url:
        model.settings.sandbox_url = url.rstrip("/")
    return model
