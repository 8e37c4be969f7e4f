"""The installation's wallet settings: after how many days a holder's wallet asks for its
copy signed again. Read from config.json or ELICENCE_WALLET_REFRESH_DAYS, refused with one
sentence unless a whole number of days in range, served to the page at
/wallet/settings.json and part of the service worker's shell version."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from chain.config import ConfigError, Settings, load_settings
from elicence.cli import main
from wallet import web as wallet_web
from wallet.settings import REFRESH_DAYS_RANGE, WalletSettings


def wallet_app(home: Path, **extra) -> Flask:
    app = Flask("wallet-settings-test")
    wallet_web.init_app(app, Settings(home=home, extra=extra))
    return app


def test_the_default_is_thirty_days_and_the_holder_may_choose_one_to_365(tmp_path) -> None:
    settings = WalletSettings.from_settings(Settings(home=tmp_path), env={})
    assert settings.document() == {"refresh_after_days": {"default": 30, "min": 1, "max": 365}}
    assert REFRESH_DAYS_RANGE == (1, 365)


def test_config_json_sets_it_and_the_environment_overrides_it(tmp_path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"wallet_refresh_days": 14}))
    settings = load_settings(tmp_path, environ={})
    assert WalletSettings.from_settings(settings, env={}).refresh_after_days == 14
    env = {"ELICENCE_WALLET_REFRESH_DAYS": "90"}
    assert WalletSettings.from_settings(settings, env=env).refresh_after_days == 90
    for edge in ("1", "365"):
        days = WalletSettings.from_settings(settings, {"ELICENCE_WALLET_REFRESH_DAYS": edge})
        assert days.refresh_after_days == int(edge)


@pytest.mark.parametrize("given", [
    "0", "366", "-5", "7d", "7.5", " 7", "1_0", "\u0661\u0664",  # Arabic-Indic "14"
    "9" * 40, "thirty"])
def test_a_bad_environment_value_is_refused_with_one_sentence(tmp_path, given: str) -> None:
    with pytest.raises(ConfigError) as refused:
        WalletSettings.from_settings(Settings(home=tmp_path),
                                     env={"ELICENCE_WALLET_REFRESH_DAYS": given})
    said = refused.value.message
    assert said.startswith("ELICENCE_WALLET_REFRESH_DAYS (or wallet_refresh_days in "
                           "config.json) must be a whole number of days from 1 to 365")
    assert repr(given) in said and said.count(". ") == 0 and said.endswith(".")
    assert refused.value.reason == "config_invalid"


@pytest.mark.parametrize("given", [0, 400, True, 7.5, "", [7], {"days": 7}])
def test_a_bad_config_json_value_is_refused(tmp_path, given) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"wallet_refresh_days": given}))
    settings = load_settings(tmp_path, environ={})
    with pytest.raises(ConfigError, match="whole number of days from 1 to 365"):
        WalletSettings.from_settings(settings, env={})


def test_the_page_reads_the_settings_and_the_shell_version_follows_them(tmp_path) -> None:
    ten, forty = wallet_app(tmp_path, wallet_refresh_days=10), wallet_app(
        tmp_path, wallet_refresh_days=40)
    answer = ten.test_client().get("/wallet/settings.json")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert answer.get_json() == {"refresh_after_days": {"default": 10, "min": 1, "max": 365}}
    assert answer.headers["Cache-Control"] == "no-cache"
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]

    def worker(app: Flask) -> tuple[str, list[str]]:
        body = app.test_client().get("/wallet/sw.js").get_data(as_text=True)
        version = re.search(r'const SHELL_VERSION = "([0-9a-f]+)"', body)
        files = re.search(r"const SHELL_FILES = (\[.*\]);", body)
        assert version and files
        return version[1], json.loads(files[1])

    (version_ten, files), (version_forty, _) = worker(ten), worker(forty)
    assert "/wallet/settings.json" in files  # the wallet opens offline with them
    assert version_ten != version_forty  # a changed setting reaches installed wallets


def test_an_app_with_a_bad_setting_is_not_built(tmp_path) -> None:
    with pytest.raises(ConfigError, match="not 0"):
        wallet_app(tmp_path, wallet_refresh_days=0)


def test_serve_refuses_a_bad_refresh_age_before_starting(tmp_path) -> None:
    result = CliRunner().invoke(main, ["serve", "--no-follow"], env={
        "ELICENCE_HOME": str(tmp_path), "ELICENCE_WALLET_REFRESH_DAYS": "1000"})
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip() == (
        "Error: ELICENCE_WALLET_REFRESH_DAYS (or wallet_refresh_days in config.json) must be a "
        "whole number of days from 1 to 365, after which a wallet asks for a freshly signed "
        "copy; not '1000'.")
