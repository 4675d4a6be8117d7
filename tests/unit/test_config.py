"""Settings from the environment, with clear errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from sharekeeper.config import Settings, SettingsError


def test_defaults_put_sqlite_in_the_data_directory(tmp_path: Path) -> None:
    settings = Settings.from_env({"SHAREKEEPER_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'sharekeeper.db'}"
    assert settings.master_key_path == tmp_path / "master.key"
    assert (settings.port, settings.invitation_ttl_seconds) == (9460, 7 * 24 * 3600)


def test_environment_overrides_and_bad_values() -> None:
    settings = Settings.from_env(
        {
            "SHAREKEEPER_DATABASE_URL": "postgresql://u@h:5432/d",
            "SHAREKEEPER_INVITATION_TTL": "60",
            "SHAREKEEPER_PORT": "8080",
        }
    )
    assert (settings.database_url, settings.invitation_ttl_seconds, settings.port) == (
        "postgresql://u@h:5432/d",
        60,
        8080,
    )
    with pytest.raises(SettingsError, match="SHAREKEEPER_INVITATION_TTL"):
        Settings.from_env({"SHAREKEEPER_INVITATION_TTL": "soon"})
    with pytest.raises(SettingsError, match="at least 1"):
        Settings.from_env({"SHAREKEEPER_INVITATION_TTL": "0"})
    with pytest.raises(SettingsError, match="SYNCHRONOUS"):
        Settings.from_env({"SHAREKEEPER_SQLITE_SYNCHRONOUS": "off"})
    assert Settings.from_env({}).key_cache
    assert not Settings.from_env({"SHAREKEEPER_KEY_CACHE": "OFF"}).key_cache
    with pytest.raises(SettingsError, match="SHAREKEEPER_KEY_CACHE"):
        Settings.from_env({"SHAREKEEPER_KEY_CACHE": "no"})
    assert settings.with_overrides(port=None, host="0.0.0.0").host == "0.0.0.0"


def test_a_short_admin_token_is_refused_in_one_line() -> None:
    with pytest.raises(SettingsError, match="at least 32 characters") as refused:
        Settings.from_env({"SHAREKEEPER_ADMIN_TOKEN": "choose-a-long-token"})
    assert "\n" not in str(refused.value)
    token = "x" * 32
    assert Settings.from_env({"SHAREKEEPER_ADMIN_TOKEN": token}).admin_token == token


def test_the_config_file_under_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "sharekeeper.toml"
    config.write_text(
        'database_url = "postgresql://u@h:5432/file"\nport = 1234\n[quotas]\ntag_association = 7\n'
    )
    settings = Settings.from_env(
        {
            "SHAREKEEPER_CONFIG": str(config),
            "SHAREKEEPER_PORT": "4321",
            "SHAREKEEPER_DATABASE_URL": "",
        }
    )
    assert settings.database_url == "postgresql://u@h:5432/file"  # empty variable: file wins
    assert settings.port == 4321  # a set variable wins
    assert settings.quotas.tag_association == 7
    config.write_text('port = "many"\n')
    with pytest.raises(SettingsError, match="SHAREKEEPER_PORT"):
        Settings.from_env({"SHAREKEEPER_CONFIG": str(config)})
    config.write_text("[quotas]\nstars = 3\n")
    with pytest.raises(SettingsError, match="unknown quota 'stars'"):
        Settings.from_env({"SHAREKEEPER_CONFIG": str(config)})


def test_organization_quotas_from_the_environment_and_the_file(tmp_path: Path) -> None:
    defaults = Settings.from_env({}).quotas
    assert (defaults.organization_account, defaults.organizational_unit) == (10, 1000)
    assert defaults.pending_handshake == 20
    settings = Settings.from_env(
        {
            "SHAREKEEPER_QUOTA_ORGANIZATION_ACCOUNT": "500",
            "SHAREKEEPER_QUOTA_PENDING_HANDSHAKE": "0",
        }
    )
    assert (settings.quotas.organization_account, settings.quotas.pending_handshake) == (500, 0)
    assert settings.quotas.resource_share == 50  # RAM's are untouched
    with pytest.raises(SettingsError, match="ORGANIZATION_ACCOUNT must be at least 1"):
        Settings.from_env({"SHAREKEEPER_QUOTA_ORGANIZATION_ACCOUNT": "0"})
    with pytest.raises(SettingsError, match="ORGANIZATIONAL_UNIT must be at most 1000"):
        Settings.from_env({"SHAREKEEPER_QUOTA_ORGANIZATIONAL_UNIT": "1001"})
    config = tmp_path / "sharekeeper.toml"
    config.write_text("[quotas]\norganizational_unit = 5\n")
    assert Settings.from_env({"SHAREKEEPER_CONFIG": str(config)}).quotas.organizational_unit == 5
