from app.credentials import check_credentials, clean, fingerprint, mask

CLIENT_ID = "0123456789ABCDEF0123456789ABCDEF"
SECRET = "aB3_dE6-gH9iJ2kL5mN8oP1qR4sT7uV0wX3yZ6aB9cD2eF5g"


def test_pasted_values_are_trimmed_of_spaces_and_invisible_characters():
    assert clean("  0123 \u200b456\n") == "0123456"
    check = check_credentials(f"  {CLIENT_ID}\n", f"\t{SECRET} \u00a0")
    assert check.ok
    assert (check.client_id, check.client_secret) == (CLIENT_ID, SECRET)


def test_lower_case_client_id_is_accepted_and_normalised():
    check = check_credentials(CLIENT_ID.lower(), SECRET)
    assert check.ok and check.client_id == CLIENT_ID


def test_swapped_id_and_secret_are_detected():
    check = check_credentials(SECRET, CLIENT_ID)
    assert check.swapped and not check.ok
    assert "swapped" in check.problems[0]


def test_wrong_lengths_name_the_length_seen():
    check = check_credentials(CLIENT_ID[:-1], SECRET + "x")
    assert any("31 characters" in p for p in check.problems)
    assert any("49 characters" in p for p in check.problems)


def test_pkce_app_needs_no_secret():
    assert check_credentials(CLIENT_ID, "", needs_secret=False).ok
    assert not check_credentials(CLIENT_ID, "").ok


def test_mask_and_fingerprint_never_show_the_secret():
    masked = mask(SECRET)
    assert SECRET[5:-5] not in masked and masked.startswith(SECRET[:4])
    fp = fingerprint(CLIENT_ID, SECRET)
    assert len(fp) == 9 and fp[4] == "-"
    assert fp == fingerprint(CLIENT_ID, SECRET)
    assert fp != fingerprint(CLIENT_ID, SECRET[:-1] + "h")
