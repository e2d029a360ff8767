"""Non-secret settings, one JSON file per profile in the user's config directory.

Profiles keep real Xero and the local sandbox apart: they never share a client ID, a tenant or tokens.
Secrets (client secret, tokens) never come here; they live in the OS keyring (app/secrets.py).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from app.errors import InvalidInput, file_problem
from app.xero.endpoints import DEFAULT_SANDBOX_URL, XeroEndpoints, redirect_uri

PROFILES = ("xero", "sandbox")
# The one default of the GUI and the CLI: installed, Xero Connect works with real Xero. ./run.sh passes
# --sandbox, and step 1 of the wizard offers the local sandbox as a visible choice.
DEFAULT_PROFILE = "xero"
# Fixed callback ports the admin registers in Xero; the listener takes the first free one.
DEFAULT_PORTS = (53682, 53683, 53684)
# Below 1024 a port needs administrator rights to listen on; above 65535 there are none.
MIN_PORT, MAX_PORT = 1024, 65535
CONFIG_ENV = "XERO_CONNECT_CONFIG_DIR"
DATA_ENV = "XERO_CONNECT_DATA_DIR"


def user_base(env_var: str, *under_home: str) -> Path:
    """A per-user base folder: ``$env_var`` when set (XDG_CONFIG_HOME, APPDATA ...), else ~/under_home."""
    return Path(os.environ.get(env_var) or Path.home().joinpath(*under_home))


def config_dir() -> Path:
    """The per-user config directory (overridable for tests and portable installs)."""
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = user_base("APPDATA", "AppData", "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = user_base("XDG_CONFIG_HOME", ".config")
    return base / "xero-connect"


def data_dir() -> Path:
    """Where the drafting ledger lives (overridable for tests and portable installs)."""
    override = os.environ.get(DATA_ENV)
    if override:
        return Path(override)
    if sys.platform in ("win32", "darwin"):
        return config_dir()
    return user_base("XDG_DATA_HOME", ".local", "share") / "xero-connect"


@dataclass
class Settings:
    profile: str = DEFAULT_PROFILE
    client_id: str = ""
    app_type: str = "web"  # "web" (client secret) or "pkce" ("Mobile or desktop app", no secret)
    app_name: str = ""  # empty: step 2 suggests one (app.app_naming)
    company_url: str = "https://www.example.com"
    redirect_ports: list[int] = field(default_factory=lambda: list(DEFAULT_PORTS))
    scopes: list[str] = field(default_factory=list)  # empty = the granular default set
    sandbox_url: str = DEFAULT_SANDBOX_URL
    tenant_id: str = ""
    tenant_name: str = ""
    connection_id: str = ""
    xero_userid: str = ""
    xero_user_email: str = ""
    keyring_backend: str = ""
    # Set when Xero refused the saved authorisation (invalid_grant); the wizard then opens on step 6.
    needs_reauthorisation: bool = False
    # Set when Xero answered 403 for the chosen organisation (disconnected); consent again in step 6.
    tenant_disconnected: bool = False
    # The Xero-Correlation-Id of the last failed call, with the call and the time: for support.
    last_correlation_id: str = ""

    @property
    def is_sandbox(self) -> bool:
        """The local sandbox profile, not real Xero."""
        return self.profile == "sandbox"

    def endpoints(self) -> XeroEndpoints:
        if self.is_sandbox:
            return XeroEndpoints.sandbox(self.sandbox_url)
        return XeroEndpoints.real()

    def redirect_uris(self) -> list[str]:
        return [redirect_uri(port) for port in self.redirect_ports]

    @property
    def is_configured(self) -> bool:
        return bool(self.client_id)

    def forget_tenant(self) -> None:
        """No organisation chosen (another client ID, a consent without it, a disconnect)."""
        self.tenant_disconnected = False
        self.tenant_id = ""
        self.tenant_name = ""
        self.connection_id = ""


def settings_path(profile: str) -> Path:
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}")
    return config_dir() / f"{profile}.json"


def load_settings(profile: str) -> Settings:
    path = settings_path(profile)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings(profile=profile)
    except (OSError, ValueError) as exc:
        raise OSError(
            f"The settings file {path} cannot be read ({exc.__class__.__name__}); "
            "fix or delete it and run the setup again."
        ) from None
    problem = _settings_problem(data)
    if problem:
        raise OSError(
            f"The settings file {path} cannot be used ({problem}); fix or delete it and run the setup again."
        )
    known = {f.name for f in fields(Settings)}
    settings = Settings(**{k: v for k, v in data.items() if k in known})
    settings.profile = profile
    return settings


def _settings_problem(data: object) -> str:
    """What is wrong with a settings file's JSON that parsed, in words; "" when it is usable."""
    if not isinstance(data, dict):
        return f"it holds {_json_kind(data)} where an object of settings belongs"
    defaults = asdict(Settings())
    for key, value in data.items():
        if key not in defaults:
            continue  # from a newer version: ignored
        expected = defaults[key]
        if type(value) is not type(expected):
            return f'"{key}" is {_json_kind(value)}, not {_json_kind(expected)}'
    if any(type(scope) is not str for scope in data.get("scopes", [])):
        return '"scopes" holds something other than text'
    ports = data.get("redirect_ports", list(DEFAULT_PORTS))
    if any(type(port) is not int for port in ports):
        return '"redirect_ports" holds something other than whole numbers'
    try:
        check_ports(ports)
    except ValueError as exc:
        return f'"redirect_ports": {exc}'
    return ""


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def check_ports(ports: list[int]) -> list[int]:
    """The callback ports as given, or ValueError with the reason in words (no sentence start)."""
    if not ports:
        raise ValueError("at least one port is needed")
    bad = [port for port in ports if not MIN_PORT <= port <= MAX_PORT]
    if bad:
        raise ValueError(f"{bad[0]} is not a port from {MIN_PORT} to {MAX_PORT}")
    return list(dict.fromkeys(ports))  # the same port twice adds nothing


def parse_ports(text: str) -> list[int]:
    """``--ports 53682,53683``: checked before anything is saved."""
    try:
        numbers = [int(word) for word in text.split(",") if word.strip()]
    except ValueError:
        reason = "only whole numbers are ports"
    else:
        try:
            return check_ports(numbers)
        except ValueError as exc:
            reason = str(exc)
    raise InvalidInput(
        f"--ports takes port numbers from {MIN_PORT} to {MAX_PORT} separated by commas, e.g. "
        f"53682,53683 ({reason}); nothing was saved."
    )


def save_settings(settings: Settings) -> Path:
    """Write atomically so a crash never leaves half a file behind."""
    path = settings_path(settings.profile)
    try:
        _private_dir(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=path.parent)
    except OSError as exc:
        raise _not_saved(path, exc) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(settings), handle, indent=2, sort_keys=True)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _not_saved(path, exc) from None  # the previous file is still whole
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _not_saved(path: Path, exc: OSError) -> OSError:
    return file_problem("Xero Connect could not save its settings to", path, exc)


def active_profile_path() -> Path:
    return config_dir() / "active-profile"


def load_active_profile() -> str:
    try:
        name = active_profile_path().read_text(encoding="utf-8").strip()
    except OSError:
        return DEFAULT_PROFILE
    return name if name in PROFILES else DEFAULT_PROFILE


def save_active_profile(profile: str) -> None:
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}")
    path = active_profile_path()
    try:
        _private_dir(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.chmod(path, 0o600)  # a file from an older version may have the umask's mode
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(profile + "\n")
    except OSError as exc:
        raise _not_saved(path, exc) from None


def _private_dir(path: Path) -> None:
    """The config folder is the user's alone (0700 on POSIX): it names the organisation and client ID."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix":
        os.chmod(path, 0o700)
