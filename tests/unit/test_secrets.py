import keyring
import pytest
from keyring.backends import fail

from app.errors import KeyringUnavailable
from app.secrets import MAX_ENTRY_CHARS, PARTS_MARK, SecretStore
from app.xero.tokenset import TokenSet
from tests.helpers.keyrings import HangingKeyring, LockedKeyring, MemoryKeyring, WindowsSizedKeyring

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
    saved = store.token_set()
    assert saved is not None and saved.refresh_token == "rt"
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


def xero_sized_token_set(refresh: str = "rt") -> TokenSet:
    """As long as Xero's: two RS256-signed JWTs of about 1,400 and 1,100 characters."""
    return TokenSet(
        "a." + "A" * 1400 + ".s",
        refresh,
        123.0,
        ["openid", "offline_access"],
        id_token="i." + "I" * 1100 + ".s",
    )


def test_a_xero_sized_token_set_fits_a_windows_sized_keyring_in_parts(use_backend):
    backend = WindowsSizedKeyring()
    use_backend(backend)
    store = SecretStore("xero", "A" * 32)
    tokens = xero_sized_token_set()
    assert len(tokens.to_json()) > 2_500
    store.save_token_set(tokens)
    assert store.token_set() == tokens
    main = backend.values[("xero-connect/xero", "token_set:" + "A" * 32)]
    assert main.startswith(PARTS_MARK)
    assert all(len(value) <= MAX_ENTRY_CHARS for value in backend.values.values())
    first_generation = set(backend.values)
    store.save_token_set(xero_sized_token_set("rotated"))  # a refresh: new parts, old ones removed
    saved = store.token_set()
    assert saved is not None and saved.refresh_token == "rotated"
    assert len(backend.values) == len(first_generation) and set(backend.values) != first_generation
    store.delete_all()
    assert backend.values == {}


def test_a_save_that_dies_half_way_leaves_the_previous_token_set_whole(use_backend):
    backend = WindowsSizedKeyring()
    use_backend(backend)
    store = SecretStore("xero", "A" * 32)
    store.save_token_set(xero_sized_token_set("old"))
    backend.fail_on_write = backend.writes + 2  # the second part of the next save
    with pytest.raises(KeyringUnavailable):
        store.save_token_set(xero_sized_token_set("new"))
    saved = store.token_set()
    assert saved is not None and saved.refresh_token == "old"


def test_a_damaged_part_reads_as_not_authorised_rather_than_garbage(use_backend):
    backend = MemoryKeyring()
    use_backend(backend)
    store = SecretStore("xero", "A" * 32)
    store.save_token_set(xero_sized_token_set())
    part = next(key for key in backend.values if "#" in key[1])
    backend.values[part] = backend.values[part][:-1] + "x"
    assert store.token_set() is None
    del backend.values[part]
    assert store.token_set() is None
    store.delete_all()  # a missing part does not stop the clean-up
    assert backend.values == {}


def test_a_token_set_saved_in_one_entry_by_an_earlier_version_still_reads(use_backend):
    backend = MemoryKeyring()
    use_backend(backend)
    tokens = xero_sized_token_set()
    backend.values[("xero-connect/xero", "token_set:" + "A" * 32)] = tokens.to_json()
    assert SecretStore("xero", "A" * 32).token_set() == tokens


def test_the_real_secret_service_holds_a_xero_sized_token_set_and_forgets_every_part(real_keyring):
    store = SecretStore("sandbox", "D" * 32)
    service, key = "xero-connect/sandbox", "token_set:" + "D" * 32
    tokens = xero_sized_token_set()
    try:
        store.save_token_set(tokens)
        main = keyring.get_password(service, key)
        assert main is not None
        generation, count, _ = main[len(PARTS_MARK) :].split(":")
        parts = [f"{key}#{generation}.{n}" for n in range(int(count))]
        assert int(count) == 3 and all(keyring.get_password(service, part) for part in parts)
        assert store.token_set() == tokens
    finally:
        store.delete_all()
    assert keyring.get_password(service, key) is None
    assert all(keyring.get_password(service, part) is None for part in parts)


class KWalletStandIn(MemoryKeyring):
    name = "KWallet"


class SecretServiceStandIn(MemoryKeyring):
    name = "SecretService Keyring"


def test_secrets_kept_by_another_keyring_are_named_not_just_missing(use_backend, config_dir):
    from app.errors import NotConfigured
    from app.model import ConnectionModel

    use_backend(KWalletStandIn())
    ConnectionModel("xero").save_credentials("0123456789ABCDEF0123456789ABCDEF", "aB3_dE6-" + SECRET[8:])
    use_backend(SecretServiceStandIn())  # the next login picked another keyring
    model = ConnectionModel("xero")
    with pytest.raises(NotConfigured) as missing:
        model.credentials()
    hint = (
        "Xero Connect's secrets were saved in KWallet, but the keyring in use now is SecretService "
        "Keyring; in a session that uses KWallet they are still there."
    )
    assert str(missing.value).endswith("step 4 of the setup wizard. " + hint)
    assert (model.authorisation_problem() or "").endswith(hint)
    use_backend(KWalletStandIn())
    problem = ConnectionModel("xero").authorisation_problem()
    assert problem is not None and "KWallet" not in problem  # the same keyring: no hint
