"""The PyInstaller bundle works on its own: --version, connect → check with the real keyring, screenshots.

The bundle is built once (packaging/build.sh) into pytest's cache folder and reused while it is newer
than every source it is built from; XERO_CONNECT_BUNDLE=<dir> tests a bundle built elsewhere instead.
Every run uses an environment without the repo on PYTHONPATH and a working directory outside it.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
import requests
from filelock import FileLock

from app import __version__
from tests.helpers.flows import connect_in_terminal
from tests.helpers.sandbox import follow_consent, set_auto_consent

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT = 600


def newest_source() -> float:
    paths = [REPO / "pyproject.toml", *REPO.joinpath("packaging").iterdir()]
    paths += REPO.joinpath("app").rglob("*.py")
    for sub in ("icons", "listener", "samples"):
        paths += REPO.joinpath("resources", sub).iterdir()
    return max(p.stat().st_mtime for p in paths if p.is_file())


@pytest.fixture(scope="session")
def bundle(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle's executable; built at most once per session, and only when a source changed."""
    given = os.environ.get("XERO_CONNECT_BUNDLE")
    if given:
        return Path(given) / "xero-connect"
    store = getattr(request.config, "cache", None)  # absent when pytest runs with -p no:cacheprovider
    cache = Path(store.mkdir("xero-connect-bundle")) if store else tmp_path_factory.mktemp("bundle")
    exe = cache / "dist" / "xero-connect" / "xero-connect"
    stamp = cache / "built"
    with FileLock(str(cache / "lock")):  # parallel test runs in the same clone build once
        if not (stamp.exists() and exe.exists() and stamp.stat().st_mtime > newest_source()):
            started = time.monotonic()
            env = {**os.environ, "DIST_DIR": str(cache / "dist"), "WORK_DIR": str(cache / "work")}
            result = subprocess.run(
                [str(REPO / "packaging" / "build.sh")],
                env=env,
                capture_output=True,
                text=True,
                timeout=BUILD_TIMEOUT,
            )
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
            stamp.write_text(f"{time.monotonic() - started:.0f} s\n")
    return exe


@pytest.fixture
def bundle_env(tmp_path: Path) -> dict[str, str]:
    """The test's environment (private config dir, keyring's D-Bus) minus anything pointing at the repo."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["XERO_CONNECT_LOG_DIR"] = str(tmp_path / "logs")
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    path = tmp_path / "cwd"
    path.mkdir()
    return path


def run(exe: Path, *args: str, env: dict[str, str], cwd: Path, stdin: str = "", timeout: float = 120):
    return subprocess.run(
        [str(exe), *args], input=stdin, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout
    )


def test_version(bundle: Path, bundle_env, elsewhere) -> None:
    result = run(bundle, "--version", env=bundle_env, cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"xero-connect {__version__}"
    assert (bundle.parent / "VERSION").read_text().strip() == __version__


def test_the_bundle_holds_what_runs_and_nothing_else(bundle: Path) -> None:
    files = [p.relative_to(bundle.parent).as_posix() for p in bundle.parent.rglob("*")]
    for needed in (
        "resources/icons/xero-connect.svg",
        "resources/listener/success.html",
        "resources/samples/crm-quotes.csv",
        "platforms/libqoffscreen.so",
        "platforms/libqxcb.so",
        "imageformats/libqsvg.so",
        "iconengines/libqsvgicon.so",
    ):
        assert any(f.endswith(needed) for f in files), needed
    for unwanted in (
        "xero-openapi",
        "QtWebEngine",
        "libQt6Qml",
        "libQt6Quick",
        "Qt3D",
        "pytest",
        "tests/",
        "libgtk-3",
    ):
        assert not any(unwanted in f for f in files), unwanted


@pytest.mark.usefixtures("real_keyring")
def test_connect_then_check_from_the_bundle(
    bundle: Path, bundle_env, elsewhere, sandbox, sandbox_app, callback_ports
) -> None:
    set_auto_consent(sandbox.base_url)
    pages: list[requests.Response] = []

    def consent(url: str) -> None:
        pages.append(follow_consent(url))  # the bundle's listener serves resources/listener/success.html

    code, out, err = connect_in_terminal(
        [str(bundle)],
        sandbox,
        sandbox_app,
        callback_ports,
        consent=consent,
        timeout=120,
        env=bundle_env,
        cwd=elsewhere,
    )
    assert code == 0, out + err
    assert "Organisation: Demo Company (UK)" in out
    assert pages and pages[0].status_code == 200 and "authorised" in pages[0].text

    check = run(bundle, "check", "--sandbox", sandbox.base_url, env=bundle_env, cwd=elsewhere)
    assert check.returncode == 0, check.stderr
    assert check.stdout.splitlines()[0] == "Connection attempt successful: Demo Company (UK)"
    assert sandbox_app.client_secret not in check.stdout + check.stderr + out + err
    log_text = "".join(p.read_text() for p in Path(bundle_env["XERO_CONNECT_LOG_DIR"]).glob("*.log*"))
    assert sandbox_app.client_secret not in log_text

    gone = run(bundle, "disconnect", "--sandbox", sandbox.base_url, "--yes", env=bundle_env, cwd=elsewhere)
    assert gone.returncode == 0, gone.stderr


def test_check_without_setup_from_the_bundle(bundle: Path, bundle_env, elsewhere, sandbox) -> None:
    result = run(bundle, "check", "--sandbox", sandbox.base_url, env=bundle_env, cwd=elsewhere)
    assert result.returncode == 1 and "not set up" in result.stderr


def test_wizard_screenshots_offscreen_from_the_bundle(bundle: Path, bundle_env, elsewhere, tmp_path) -> None:
    shots = tmp_path / "shots"
    result = run(bundle, "wizard", "--screenshots", str(shots), env=bundle_env, cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    first = shots / "page-1.png"
    assert first.is_file() and first.stat().st_size > 10_000
    assert len(list(shots.glob("page-*.png"))) == 8
    assert_not_blank(first)


def assert_not_blank(png: Path) -> None:
    """Rendered text and widgets, not one flat colour: many distinct colours over a coarse grid."""
    from PySide6.QtGui import QImage

    image = QImage(str(png))
    assert image.width() >= 400 and image.height() >= 300
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 20, len(colours)


def test_a_second_start_of_the_bundled_tray_hands_over_to_the_first(
    bundle: Path, bundle_env, elsewhere, qapp
) -> None:
    import signal

    from app.instance_socket import instance_address
    from app.settings import config_dir
    from app.ui.single_instance import hand_over

    first = subprocess.Popen(
        [str(bundle), "--xero"],
        env=bundle_env,
        cwd=elsewhere,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        address = instance_address(config_dir(), "xero")  # the bundle reads the same config folder
        deadline = time.monotonic() + 60
        while not hand_over(address):  # the bundled QtNetwork answers once the first tray is up
            assert first.poll() is None, first.communicate()[1][-2000:]
            assert time.monotonic() < deadline, "the first tray never started listening"
            qapp.processEvents()
        second = run(bundle, "--xero", env=bundle_env, cwd=elsewhere, timeout=60)
        assert second.returncode == 0, second.stderr
        assert "already running (xero profile)" in second.stdout
    finally:
        first.send_signal(signal.SIGINT)  # Ctrl+C: the tray quits cleanly
        try:
            _, first_err = first.communicate(timeout=20)  # reaps it and closes its pipes
        except subprocess.TimeoutExpired:
            first.kill()
            first.communicate()
            raise
    assert first.returncode == 0, first_err[-2000:]
