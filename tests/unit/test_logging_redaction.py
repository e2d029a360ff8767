import logging

from app.logging_setup import RedactingFilter, redact

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlc2lnbmF0dXJl"


def test_known_secret_shapes_are_redacted():
    text = redact(
        f"client_secret=abc123def&code=XYZ987 Authorization: Bearer {JWT} "
        '{"refresh_token": "rt-0123456789"} id_token=' + JWT
    )
    for secret in ("abc123def", "XYZ987", JWT, "rt-0123456789"):
        assert secret not in text
    assert "[redacted]" in text


def test_filter_cleans_records_and_exception_texts(caplog):
    logger = logging.getLogger("test.redaction")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="test.redaction"):
        logger.info("callback %s", "/callback?code=SECRETCODE&state=s1")
        try:
            raise ValueError("refresh_token=LEAKED")
        except ValueError:
            logger.exception("refresh failed")
    text = caplog.text
    assert "SECRETCODE" not in text and "LEAKED" not in text
    assert "ValueError" in text
