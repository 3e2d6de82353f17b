import pytest


@pytest.fixture(autouse=True)
def _english_and_fast(settings):
    """Tests read messages in English and hash passwords cheaply."""
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
