"""A real headless Chromium (Debian's chromium + chromedriver) for the consent step, loopback only."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Without the background-networking flags Chromium floods the closed network with connection attempts.
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1000,800",
)


def browser_available() -> bool:
    return bool(shutil.which("chromium") or shutil.which(CHROMIUM)) and bool(
        shutil.which("chromedriver") or shutil.which(CHROMEDRIVER)
    )


@contextmanager
def headless_chromium() -> Iterator:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="xc-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    service = Service(executable_path=shutil.which("chromedriver") or CHROMEDRIVER)
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def allow_in_browser(driver, authorize_url: str, button: str = "allow") -> str:
    """Open Xero's (the sandbox's) consent page, press Allow or Cancel, return the final page's text."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(authorize_url)
    WebDriverWait(driver, 20).until(expected_conditions.element_to_be_clickable((By.ID, button))).click()
    WebDriverWait(driver, 30).until(lambda d: "/callback" in d.current_url)
    WebDriverWait(driver, 30).until(lambda d: d.find_element(By.TAG_NAME, "body").text.strip())
    return driver.find_element(By.TAG_NAME, "body").text
