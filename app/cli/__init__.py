"""One entry point: no arguments opens the GUI (tray and wizard); sub-commands serve support and scripts.

Qt is imported only on the GUI branch, so the CLI works on machines without a display.
"""

from __future__ import annotations

import argparse
import getpass
import os
import queue
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from app import __version__
from app.authorization import AuthorizationAttempt, AuthorizationOutcome
from app.cli.draft_options import add_draft_parser
from app.cli.options import add_profile_options, chosen_profile, model_for
from app.core_dumps import forbid_core_dumps
from app.errors import Cancelled, InvalidInput, XeroConnectError
from app.logging_setup import configure_logging
from app.model import ConnectionModel
from app.settings import parse_ports, save_active_profile
from app.xero.endpoints import DEFAULT_SANDBOX_URL

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xero-connect",
        description="Connect a CRM to Xero and draft sales invoices from its quotes and orders. "
        "Without a command, the tray and (when nothing is set up yet) the setup wizard open.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail (never secrets)")
    add_profile_options(parser, top_level=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    wizard = sub.add_parser("wizard", help="open the setup wizard")
    add_profile_options(wizard)
    wizard.add_argument("--screenshots", metavar="DIR", help="render the eight pages to PNG files and exit")

    sandbox = sub.add_parser("sandbox", help="run the local Xero sandbox on 127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8765)
    sandbox.add_argument("--data", metavar="DIR", help="keep the sandbox's state in DIR across restarts")
    sandbox.add_argument(
        "--auto-consent", action="store_true", help="approve the consent page at once (first organisation)"
    )

    connect = sub.add_parser("connect", help="steps 4 to 7 in a terminal: credentials, consent, organisation")
    add_profile_options(connect)
    connect.add_argument("--client-id", metavar="ID")
    connect.add_argument(
        "--app-type",
        choices=["web", "pkce"],
        default=None,
        help="'web' = Web app with a client secret (default); 'pkce' = Mobile or desktop app, no secret",
    )
    connect.add_argument("--ports", metavar="P1,P2,...", help="callback ports registered in Xero")
    connect.add_argument("--no-browser", action="store_true", help="print the authorize URL instead")
    connect.add_argument("--tenant", metavar="NAME", help="organisation name or tenant ID to use")

    check = sub.add_parser("check", help="check the connection to the chosen organisation")
    add_profile_options(check)

    status = sub.add_parser("status", help="what is configured (never a secret)")
    add_profile_options(status)

    disconnect = sub.add_parser("disconnect", help="disconnect, revoke and delete the stored secrets")
    add_profile_options(disconnect)
    disconnect.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    add_draft_parser(sub)
    return parser


def _sandbox_flag_takes_no_word(argv: Sequence[str]) -> list[str]:
    """`--sandbox check` or `draft --sandbox quotes.csv`: the next word is not a URL, so it is not the
    optional value of --sandbox (argparse would take it as one)."""
    out = list(argv)
    for i, word in enumerate(out[:-1]):
        if word == "--sandbox" and not out[i + 1].startswith(("http://", "https://")):
            out[i] = f"--sandbox={DEFAULT_SANDBOX_URL}"
    return out


def main(argv: Sequence[str] | None = None) -> int:
    forbid_core_dumps()  # before the secret or a token can be in memory
    args = build_parser().parse_args(_sandbox_flag_takes_no_word(sys.argv[1:] if argv is None else argv))
    # Line by line even into a pipe: a script waiting for the authorize URL must see it at once.
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(line_buffering=True)
    configure_logging(verbose=args.verbose)
    command = args.command or "gui"
    try:
        handler = COMMANDS[command]
        return handler(args)
    except XeroConnectError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        print(f"Error: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


def cmd_sandbox(args: argparse.Namespace) -> int:
    from app.sandbox.server import run_sandbox  # the emulator: not part of the program's other commands

    return run_sandbox(port=args.port, data_dir=args.data, auto_consent=args.auto_consent)


def cmd_check(args: argparse.Namespace) -> int:
    model = model_for(args)
    result = model.check_connection()
    for line in result.lines():
        print(line)
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    model = model_for(args)
    for key, value in model.status().items():
        print(f"{key + ':':<16} {value}")
    return EXIT_OK


def cmd_disconnect(args: argparse.Namespace, ask: Callable[[str], str] = input) -> int:
    model = model_for(args)

    def confirm(question: str) -> bool:
        if args.yes:
            return True
        if not sys.stdin.isatty():
            print("Not disconnected: confirm with --yes when not running interactively.", file=sys.stderr)
            return False
        return ask(f"{question} [y/N] ").strip().lower() in ("y", "yes")

    report = model.disconnect(confirm)
    if report is None:
        print("Nothing was changed.")
        return EXIT_FAILED
    for line in report.done:
        print(line)
    for line in report.problems:
        print(f"Warning: {line}", file=sys.stderr)
    return EXIT_OK


def read_secret(prompt: str, stdin: TextIO | None = None) -> str:
    """From a hidden prompt, or the first line of stdin when piped; never from the command line."""
    stream = stdin or sys.stdin
    if stream.isatty():
        return getpass.getpass(prompt)
    return stream.readline().strip()


def cmd_connect(args: argparse.Namespace) -> int:
    ports = parse_ports(args.ports) if args.ports is not None else None  # refused before anything is saved
    model = model_for(args)  # the active profile, as the GUI opens it (app.settings.DEFAULT_PROFILE)
    settings = model.settings
    if ports:
        settings.redirect_ports = ports
    app_type = args.app_type or settings.app_type or "web"
    client_id = args.client_id or settings.client_id
    if not client_id:
        if not sys.stdin.isatty():
            raise InvalidInput("Give the client ID with --client-id when not running interactively.")
        client_id = input("Client ID: ")
    secret: str | None = None
    if app_type == "web":
        secret = read_secret("Client secret (hidden): ")
    if secret:
        model.check_secret(client_id, secret)  # a wrong secret is named before anything is saved
    model.save_credentials(client_id, secret, app_type)
    save_active_profile(model.profile)
    print(f"Saved the client ID; the secret is in the system keyring. Fingerprint: {model.fingerprint()}")
    print("Redirect URIs to register in Xero: " + ", ".join(settings.redirect_uris()))

    attempt = model.begin_authorization()
    for note in attempt.notes:
        print(note)
    if args.no_browser or not _open_browser(attempt.url):
        print("Open this address in a browser and allow access:")
        print(attempt.url)
    else:
        print("Your browser is open at Xero's consent page; allow access there.")
    print(f"Waiting for Xero to come back to {attempt.redirect_uri} ...")
    if sys.stdin.isatty():
        print("(If the browser runs on another machine, paste the final address from its address bar here.)")
    outcome = _wait_for_consent(attempt)
    for note in outcome.notes:
        print(note)
    print(f"Authorised. Scopes: {' '.join(outcome.tokens.scope)}")
    print(outcome.consent_summary())
    return _pick_tenant(model, outcome, args.tenant)


def _open_browser(url: str) -> bool:
    if (
        os.environ.get("DISPLAY") is None
        and os.environ.get("WAYLAND_DISPLAY") is None
        and sys.platform.startswith("linux")
    ):
        return False
    import webbrowser  # only `connect` opens a browser from Python (with subprocess); the GUI asks Qt

    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False


def _wait_for_consent(attempt: AuthorizationAttempt) -> AuthorizationOutcome:
    """Wait for the listener; on a terminal, a pasted redirect URL wins too."""
    results: queue.Queue[tuple[str, Any]] = queue.Queue()

    def wait_listener() -> None:
        try:
            results.put(("ok", attempt.wait()))
        except BaseException as exc:
            results.put(("error", exc))

    threading.Thread(target=wait_listener, daemon=True, name="consent-listener").start()
    if sys.stdin.isatty():

        def read_paste() -> None:
            for line in sys.stdin:
                if not line.strip():
                    continue
                try:
                    results.put(("ok", attempt.complete_with_pasted_url(line)))
                    return
                except XeroConnectError as exc:
                    print(f"Error: {exc}", file=sys.stderr)

        threading.Thread(target=read_paste, daemon=True, name="consent-paste").start()
    while True:
        kind, value = results.get()
        if kind == "ok":
            return value
        if isinstance(value, Cancelled) and not results.empty():
            continue  # the paste won; the listener was cancelled on purpose
        if isinstance(value, Cancelled):
            try:
                kind, value = results.get(timeout=60)
            except queue.Empty:
                raise value from None
            if kind == "ok":
                return value
        raise value


def _pick_tenant(model: ConnectionModel, outcome: AuthorizationOutcome, wanted: str | None) -> int:
    connections = outcome.connections
    if not connections:
        print("No Xero organisation is connected: authorise again and tick an organisation.", file=sys.stderr)
        return EXIT_FAILED
    if wanted:
        matches = [c for c in connections if wanted in (c.tenant_id, c.tenant_name)]
        if not matches:
            names = ", ".join(c.tenant_name for c in connections)
            print(f"No connected organisation is called {wanted!r}; connected: {names}.", file=sys.stderr)
            return EXIT_FAILED
        model.choose_tenant(matches[0])
    elif len(connections) == 1 and outcome.first_connect and sys.stdin.isatty():
        # Not picked by the admin: a leaked approval link could have been used by someone else.
        answer = input(outcome.confirm_question(connections[0]) + " [y/N] ").strip().lower()
        if answer not in ("y", "yes"):
            print("No organisation chosen; nothing was saved.", file=sys.stderr)
            return EXIT_FAILED
        model.choose_tenant(connections[0])
    elif len(connections) == 1:
        model.choose_tenant(connections[0])
    elif sys.stdin.isatty():
        for number, conn in enumerate(connections, 1):
            print(f"  {number}. {conn.tenant_name}")
        choice = input("Organisation number: ").strip()
        if not choice.isdigit() or not 1 <= int(choice) <= len(connections):
            print("No organisation chosen; nothing was saved.", file=sys.stderr)
            return EXIT_FAILED
        model.choose_tenant(connections[int(choice) - 1])
    else:
        names = ", ".join(c.tenant_name for c in connections)
        print(
            f"Several organisations are connected ({names}); choose one with --tenant. Nothing was saved.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    print(f"Organisation: {model.settings.tenant_name}")
    print("Next: xero-connect check" + (" --sandbox" if model.settings.is_sandbox else ""))
    return EXIT_OK


def has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    if os.environ.get("QT_QPA_PLATFORM", "").startswith(("offscreen", "minimal", "vnc")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


NO_DISPLAY = (
    "No display found, so the Xero Connect window cannot open; use the command line instead, "
    "e.g. `xero-connect sandbox --auto-consent`, `xero-connect connect --sandbox --no-browser` "
    "and `xero-connect check --sandbox` (see `xero-connect --help`)."
)


def cmd_gui(args: argparse.Namespace) -> int:
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return EXIT_USAGE
    from app.ui.main import run_gui  # Qt: for the GUI commands only

    profile, url = chosen_profile(args)
    return run_gui(profile=profile, sandbox_url=url, wizard_only=False)


def cmd_wizard(args: argparse.Namespace) -> int:
    profile, url = chosen_profile(args)
    if args.screenshots:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from app.ui.app import render_screenshots  # Qt: for the GUI commands only

        for path in render_screenshots(Path(args.screenshots), profile=profile or "sandbox"):
            print(path)
        return EXIT_OK
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return EXIT_USAGE
    from app.ui.main import run_gui  # Qt: for the GUI commands only

    return run_gui(profile=profile, sandbox_url=url, wizard_only=True)


def cmd_draft(args: argparse.Namespace) -> int:
    from app.cli import draft  # app.invoicing and the network stack: for this command only

    return draft.cmd_draft(args)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "gui": cmd_gui,
    "wizard": cmd_wizard,
    "sandbox": cmd_sandbox,
    "connect": cmd_connect,
    "check": cmd_check,
    "status": cmd_status,
    "disconnect": cmd_disconnect,
    "draft": cmd_draft,
}
