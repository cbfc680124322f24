"""What APP_ENV=production refuses: demo data, the simulator and weak or placeholder secrets.

A production deployment made by copying the development ``.env`` must not start: it would
create the demo administrator whose password the README publishes, run the fake camera site,
or sign access tokens with a guessable key. Each problem names its variable, so the operator
knows what to change. Pure functions over plain values: ``config.Settings`` calls them from its
validator, and they are tested without building settings.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

# zxcvbn's estimate (log10 of guesses) below which a JWT secret is "obviously low-entropy":
# repeated, sequential, keyboard or dictionary-word strings score far below it, while random
# secrets clear it by a wide margin (32 random URL-safe characters score about 32, 32 random
# hex characters at least about 29; `secrets.token_urlsafe(48)` about 64).
MIN_SECRET_GUESSES_LOG10 = 24.0
# zxcvbn refuses longer inputs; a secret whose first 72 characters are strong is strong.
_ZXCVBN_MAX_CHARS = 72
MIN_BCRYPT_ROUNDS = 10

# Fragments of the placeholders found in example files, tutorials and old compose files.
_PLACEHOLDER_FRAGMENTS = (
    "changeme",
    "changethis",
    "replaceme",
    "replacewith",
    "placeholder",
    "yoursecret",
    "yourpassword",
    "example",
    "notasecret",
    "insecure",
    "devpassword",
    "rootpassword",
    "password123",
)
_PLACEHOLDER_VALUES = frozenset(
    {"password", "secret", "admin", "root", "domcctv", "test", "default", "pass", "123456"}
)


def is_placeholder(value: str) -> bool:
    """True for a value that is a well-known placeholder or contains one."""
    folded = re.sub(r"[^a-z0-9]", "", value.lower())
    return folded in _PLACEHOLDER_VALUES or any(f in folded for f in _PLACEHOLDER_FRAGMENTS)


def secret_strength_log10(secret: str) -> float:
    """zxcvbn's log10 of the guesses an attacker needs (dictionary, repeats, sequences...)."""
    # Imported on demand: only production start-up needs it.
    from zxcvbn import zxcvbn  # type: ignore[import-untyped]

    return float(zxcvbn(secret[:_ZXCVBN_MAX_CHARS])["guesses_log10"])


def jwt_secret_problem(secret: str) -> str | None:
    if is_placeholder(secret):
        return "is a placeholder; generate one with: " + GENERATE_SECRET
    if secret_strength_log10(secret) < MIN_SECRET_GUESSES_LOG10:
        return (
            "is too easy to guess (repeated, sequential or dictionary text); generate one "
            "with: " + GENERATE_SECRET
        )
    return None


GENERATE_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'


def database_url_problem(url: str) -> str | None:
    """A MySQL/MariaDB URL must carry a real password in production."""
    parts = urlsplit(url)
    if parts.scheme != "mysql":
        return None
    password = unquote(parts.password or "")
    if not password:
        return "the MySQL URL has no password (mysql://user:PASSWORD@host:3306/db)"
    if is_placeholder(password):
        return "the MySQL password is a placeholder"
    return None


def production_problems(
    *,
    seed_demo_data: bool,
    simulator_enabled: bool,
    jwt_secret: str,
    database_url: str,
    bcrypt_rounds: int,
    smtp_host: str | None,
    smtp_user: str | None,
    smtp_password: str | None,
    hikcentral_app_secret: str | None,
) -> list[tuple[str, str]]:
    """(VARIABLE, what is wrong) for every setting production refuses; empty when all is well."""
    problems: list[tuple[str, str]] = []
    if seed_demo_data:
        problems.append(
            (
                "SEED_DEMO_DATA",
                "must be false in production (it creates demo accounts whose password is "
                "published in the README)",
            )
        )
    if simulator_enabled:
        problems.append(
            (
                "SIMULATOR_ENABLED",
                "must be false in production (it registers simulated cameras and fake reads)",
            )
        )
    if (issue := jwt_secret_problem(jwt_secret)) is not None:
        problems.append(("JWT_SECRET", issue))
    if (issue := database_url_problem(database_url)) is not None:
        problems.append(("DATABASE_URL", issue))
    if bcrypt_rounds < MIN_BCRYPT_ROUNDS:
        problems.append(("BCRYPT_ROUNDS", f"must be at least {MIN_BCRYPT_ROUNDS} in production"))
    if smtp_host and smtp_user and not smtp_password:
        problems.append(("SMTP_PASSWORD", "SMTP_USER is set but SMTP_PASSWORD is empty"))
    if smtp_password and is_placeholder(smtp_password):
        problems.append(("SMTP_PASSWORD", "is a placeholder"))
    if hikcentral_app_secret and is_placeholder(hikcentral_app_secret):
        problems.append(("HIKCENTRAL_APP_SECRET", "is a placeholder"))
    return problems
