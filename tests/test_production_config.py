"""APP_ENV=production refuses unsafe settings; the shipped files agree with the code.

The defect: a production `.env` copied from `.env.example` (as `docker compose up` invites)
seeded the demo administrator whose password the README publishes, ran the simulator and kept
GraphiQL on. Now the server refuses to start, naming each variable, and the compose file, the
Dockerfile and `.env.example` carry the production values themselves.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from domcctv.config import ConfigurationError, Settings, load_settings
from domcctv.graphql_view import anonymous_introspection_allowed, graphiql_enabled
from domcctv.production_checks import jwt_secret_problem

from live_server import free_port

ROOT = Path(__file__).resolve().parent.parent
STRONG = secrets.token_urlsafe(48)
SAFE_PRODUCTION: dict[str, Any] = {
    "_env_file": None,
    "app_env": "production",
    "jwt_secret": STRONG,
    "database_url": "mysql://domcctv:Zq8-vN2_rT5xLw9@db:3306/domcctv",
    "seed_demo_data": False,
    "simulator_enabled": False,
}


def refusal(**changes: Any) -> str:
    with pytest.raises(ConfigurationError) as exc_info:
        load_settings(**{**SAFE_PRODUCTION, **changes})
    message = str(exc_info.value)
    assert "APP_ENV=production refuses" in message
    return message


def test_safe_production_settings_load() -> None:
    settings = load_settings(**SAFE_PRODUCTION)
    assert settings.app_env == "production"
    assert not graphiql_enabled(settings)
    assert not anonymous_introspection_allowed(settings)


def test_code_defaults_are_production_safe() -> None:
    """Nothing unsafe is on unless a variable asks for it."""
    settings = load_settings(_env_file=None, app_env="production", jwt_secret=STRONG)
    assert settings.seed_demo_data is False
    assert settings.simulator_enabled is False
    assert settings.trusted_proxies == ""


@pytest.mark.parametrize(
    ("changes", "variable"),
    [
        ({"seed_demo_data": True}, "SEED_DEMO_DATA"),
        ({"simulator_enabled": True}, "SIMULATOR_ENABLED"),
        ({"jwt_secret": "change-me-" * 4}, "JWT_SECRET"),
        ({"jwt_secret": "replace-with-a-long-random-secret!!"}, "JWT_SECRET"),
        ({"jwt_secret": "a" * 48}, "JWT_SECRET"),
        ({"jwt_secret": "abcdefghijklmnopqrstuvwxyz0123456789"}, "JWT_SECRET"),
        ({"jwt_secret": "DomCctv-2025!" * 3}, "JWT_SECRET"),
        ({"database_url": "mysql://root:@127.0.0.1:3306/domcctv"}, "DATABASE_URL"),
        ({"database_url": "mysql://domcctv@db:3306/domcctv"}, "DATABASE_URL"),
        ({"database_url": "mysql://domcctv:domcctv-dev-password@db/x"}, "DATABASE_URL"),
        ({"bcrypt_rounds": 4}, "BCRYPT_ROUNDS"),
        ({"smtp_host": "smtp.dom.cl", "smtp_user": "mailer"}, "SMTP_PASSWORD"),
        ({"smtp_host": "smtp.dom.cl", "smtp_password": "changeme"}, "SMTP_PASSWORD"),
        ({"hikcentral_app_secret": "your-secret-here"}, "HIKCENTRAL_APP_SECRET"),
    ],
)
def test_production_refuses_and_names_the_variable(changes: dict[str, Any], variable: str) -> None:
    assert f"\n  {variable}: " in refusal(**changes)


def test_every_problem_is_listed_at_once() -> None:
    message = refusal(
        seed_demo_data=True, simulator_enabled=True, database_url="mysql://root:@db/x"
    )
    for variable in ("SEED_DEMO_DATA", "SIMULATOR_ENABLED", "DATABASE_URL"):
        assert f"  {variable}: " in message


@pytest.mark.parametrize(
    "secret",
    [
        secrets.token_urlsafe(24),  # 32 characters, the minimum length
        secrets.token_hex(16),
        secrets.token_urlsafe(48),
        secrets.token_urlsafe(150),  # longer than zxcvbn accepts: its start is checked
    ],
)
def test_random_secrets_are_accepted(secret: str) -> None:
    assert jwt_secret_problem(secret) is None


def test_development_and_test_do_not_apply_production_checks() -> None:
    for env in ("development", "test"):
        settings = load_settings(
            **{**SAFE_PRODUCTION, "app_env": env, "seed_demo_data": True, "bcrypt_rounds": 4}
        )
        assert settings.seed_demo_data


def test_trusted_proxies_must_be_addresses_or_networks() -> None:
    with pytest.raises(ConfigurationError) as exc_info:
        load_settings(_env_file=None, jwt_secret=STRONG, trusted_proxies="10.0.0.1, proxy.lan")
    assert "TRUSTED_PROXIES" in str(exc_info.value)
    ok = load_settings(
        _env_file=None, jwt_secret=STRONG, trusted_proxies="10.0.0.1,::1,10.8.0.0/16"
    )
    assert ok.trusted_proxies


# ----------------------------------------------------------------- the shipped files


def env_file_values(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value
    return values


def env_example_with_secret(tmp_path: Path, **extra: str) -> Path:
    """What scripts/run writes: .env.example with a fresh JWT secret (plus overrides)."""
    text = (ROOT / ".env.example").read_text()
    text = re.sub(r"(?m)^JWT_SECRET=.*$", f"JWT_SECRET={secrets.token_urlsafe(48)}", text)
    text += "".join(f"\n{k}={v}" for k, v in extra.items())
    path = tmp_path / ".env"
    path.write_text(text)
    return path


def test_env_example_runs_the_development_site(tmp_path: Path) -> None:
    settings = load_settings(_env_file=env_example_with_secret(tmp_path))
    assert settings.app_env == "development"
    assert settings.seed_demo_data
    assert settings.simulator_enabled
    assert graphiql_enabled(settings)


def test_env_example_copied_to_production_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as exc_info:
        load_settings(_env_file=env_example_with_secret(tmp_path, APP_ENV="production"))
    assert "  SEED_DEMO_DATA: " in str(exc_info.value)
    assert "  SIMULATOR_ENABLED: " in str(exc_info.value)


def test_env_example_documents_every_setting_and_no_phantom_cache() -> None:
    text = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"(?m)^#? ?([A-Z][A-Z0-9_]+)=", text))
    assert {name.upper() for name in Settings.model_fields} <= documented
    # No phantom cache: the one cache it names is the session cache, a real setting.
    assert {m.upper() for m in re.findall(r"(?i)\w*cache\w*", text)} <= {"SESSION_CACHE_SECONDS"}
    # Unset on purpose: production's default (off) must apply to a copied file.
    assert "GRAPHIQL" not in env_file_values(ROOT / ".env.example")
    assert "GRAPHQL_ANONYMOUS_INTROSPECTION" not in env_file_values(ROOT / ".env.example")


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} for the test's purposes."""

    def one(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        if env.get(name):
            return env[name]
        if op == ":?":
            raise LookupError(arg)
        return arg if op == ":-" else ""

    return re.sub(r"\$\{([A-Z_]+)(?:(:[-?])([^}]*))?\}", one, value)


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())  # type: ignore[no-any-return]


def test_compose_has_no_default_passwords_and_requires_them() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    assert not re.search(r"\$\{[A-Z_]*(PASSWORD|SECRET)[A-Z_]*:-", text), "a default password"
    app = compose()["services"]["app"]["environment"]
    with pytest.raises(LookupError, match="set DB_PASSWORD"):
        interpolate(app["DATABASE_URL"], {})
    with pytest.raises(LookupError, match="set JWT_SECRET"):
        interpolate(app["JWT_SECRET"], {"DB_PASSWORD": "x"})


def test_compose_with_a_dotenv_copied_from_the_example_starts_in_production(
    tmp_path: Path,
) -> None:
    """The app container's environment: .env (copied from the example) overridden by the
    compose file's `environment`, as compose does. It must load as a safe production config."""
    host_env = {"DB_PASSWORD": secrets.token_urlsafe(24), "JWT_SECRET": secrets.token_urlsafe(48)}
    container = env_file_values(env_example_with_secret(tmp_path))
    services = compose()["services"]
    for name, value in services["app"]["environment"].items():
        container[name] = interpolate(str(value), host_env)
    settings = load_settings(_env_file=None, **{k.lower(): v for k, v in container.items()})
    assert settings.app_env == "production"
    assert not settings.seed_demo_data
    assert not settings.simulator_enabled
    assert settings.database_url.startswith("mysql://domcctv:")
    assert not graphiql_enabled(settings)
    assert "MARIADB_ROOT_PASSWORD" not in services["mariadb"]["environment"]


def test_dockerignore_keeps_host_state_out_of_the_image() -> None:
    entries = set((ROOT / ".dockerignore").read_text().split())
    for required in ("**/node_modules", ".venv", "var", ".env", "web/dist", ".git"):
        assert required in entries
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "APP_ENV=production" in dockerfile


async def test_domcctv_serve_refuses_unsafe_production_before_touching_anything(
    tmp_path: Path,
) -> None:
    database = tmp_path / "prod.sqlite3"
    env = {
        **os.environ,
        "APP_ENV": "production",
        "DATABASE_URL": f"sqlite://{database}",
        "JWT_SECRET": secrets.token_urlsafe(48),
        "SEED_DEMO_DATA": "true",
        "SIMULATOR_ENABLED": "false",
        "PORT": str(free_port()),  # never bound: the settings are refused first
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "domcctv.cli",
        "serve",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)  # a hang guard
    finally:
        if process.returncode is None:  # it started serving: stop it, the test fails below
            process.kill()
            await process.wait()
    assert process.returncode != 0
    assert "SEED_DEMO_DATA: must be false in production" in (out + err).decode()
    assert "Traceback" not in err.decode()
    assert not database.exists()
