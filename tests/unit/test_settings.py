import json

import pytest

from app.settings import (
    Settings,
    load_active_profile,
    load_settings,
    save_active_profile,
    save_settings,
    settings_path,
)


def test_missing_file_gives_defaults_for_the_profile(config_dir):
    settings = load_settings("xero")
    assert settings.profile == "xero" and not settings.is_configured
    assert settings.redirect_uris()[0] == "http://localhost:53682/callback"
    assert settings.endpoints().token_url == "https://identity.xero.com/connect/token"


def test_round_trip_and_profiles_are_separate(config_dir):
    save_settings(Settings(profile="sandbox", client_id="A" * 32, tenant_name="Demo Company (UK)"))
    assert load_settings("sandbox").tenant_name == "Demo Company (UK)"
    assert load_settings("xero").client_id == ""
    assert load_settings("sandbox").endpoints().token_url == "http://127.0.0.1:8765/connect/token"


def test_settings_file_holds_nothing_secret(config_dir):
    save_settings(Settings(profile="sandbox", client_id="A" * 32))
    text = settings_path("sandbox").read_text()
    assert "secret" not in text.lower() and "token" not in text.lower()


def test_unknown_keys_are_ignored_and_a_broken_file_is_a_sentence(config_dir):
    path = settings_path("sandbox")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"client_id": "X", "from_the_future": 1}))
    assert load_settings("sandbox").client_id == "X"
    path.write_text("{not json")
    with pytest.raises(OSError, match="cannot be read"):
        load_settings("sandbox")


def test_active_profile_defaults_to_real_xero(config_dir):
    assert load_active_profile() == "xero"
    save_active_profile("xero")
    assert load_active_profile() == "xero"
    with pytest.raises(ValueError):
        save_active_profile("prod")
