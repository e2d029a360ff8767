import keyring
import pytest
from keyring.backends import fail

from app.secrets import SecretStore
from app.xero.errors import KeyringUnavailable
from app.xero.tokenset import TokenSet
from tests.keyrings import HangingKeyring, LockedKeyring, MemoryKeyring

SECRET = "s" * 48


@pytest.fixture
def use_backend():
    previous = keyring.get_keyring()
    yield keyring.set_keyring
    keyring.set_keyring(previous)


def test_round_trip_in_a_keyring(use_backend):
    use_backend(MemoryKeyring())
    store = SecretStore("sandbox", "A" * 32)
    store.save_client_secret(SECRET)
    store.save_token_set(TokenSet("at", "rt", 123.0, ["openid"]))
    assert store.client_secret() == SECRET
    assert store.token_set().refresh_token == "rt"
    store.delete_all()
    assert store.client_secret() is None and store.token_set() is None
    store.delete_all()  # deleting twice is fine


def test_profiles_and_clients_do_not_share_secrets(use_backend):
    use_backend(MemoryKeyring())
    SecretStore("sandbox", "A" * 32).save_client_secret(SECRET)
    assert SecretStore("xero", "A" * 32).client_secret() is None
    assert SecretStore("sandbox", "B" * 32).client_secret() is None


def test_no_backend_says_what_to_install_and_never_writes_a_file(use_backend, config_dir):
    use_backend(fail.Keyring())
    with pytest.raises(KeyringUnavailable, match="gnome-keyring"):
        SecretStore("sandbox", "A" * 32).save_client_secret(SECRET)
    assert not config_dir.exists() or SECRET not in "".join(
        p.read_text(errors="ignore") for p in config_dir.rglob("*") if p.is_file()
    )


def test_locked_keyring_is_a_sentence_without_details(use_backend):
    use_backend(LockedKeyring())
    with pytest.raises(KeyringUnavailable, match="locked; unlock it") as info:
        SecretStore("sandbox", "A" * 32).client_secret()
    assert "/org/secret" not in str(info.value)


def test_a_hanging_keyring_times_out(use_backend):
    backend = HangingKeyring()
    use_backend(backend)
    try:
        with pytest.raises(KeyringUnavailable, match="did not answer within"):
            SecretStore("sandbox", "A" * 32, timeout=0.2).client_secret()
    finally:
        backend.release.set()


def test_the_real_secret_service_holds_the_secret(real_keyring):
    store = SecretStore("sandbox", "C" * 32)
    store.save_client_secret(SECRET)
    try:
        assert keyring.get_password("xero-connect/sandbox", "client_secret:" + "C" * 32) == SECRET
    finally:
        store.delete_all()


def test_a_plaintext_keyring_is_refused(use_backend):
    class PlaintextKeyring(MemoryKeyring):  # what keyrings.alt offers; its name is what gives it away
        pass

    use_backend(PlaintextKeyring())
    with pytest.raises(KeyringUnavailable, match="plain-text keyring"):
        SecretStore("sandbox", "A" * 32).save_client_secret(SECRET)


def test_a_null_keyring_is_refused(use_backend):
    from keyring.backends import null

    use_backend(null.Keyring())
    with pytest.raises(KeyringUnavailable, match="No usable system keyring"):
        SecretStore("sandbox", "A" * 32).client_secret()
