"""Request budgets on every endpoint, priced by cost (elicence.limits), with the attacks
that broke the old per-address limiter: a proxy sharing one address, IPv6 /64 rotation,
a spoofed X-Forwarded-For."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from flask import Flask

from chain.config import ConfigError, Settings
from elicence.cli import main
from elicence.limits import (
    CHAIN_READ,
    CLAIM,
    FILE,
    IMAGE,
    UNITS_PER_VERIFICATION,
    VERIFY,
    client_key,
    parse_budget,
    parse_networks,
    request_cost,
)
from elicence.limits_counters import CounterTokenInvalid, CounterTokens

from ..verifier.world import World
from .conftest import world_app


def error_of(response) -> dict:
    return response.get_json()["error"]


@pytest.fixture
def limited(web_world: World, tmp_path) -> Iterator[Flask]:
    app = world_app(web_world, tmp_path / "home", rate_limit="3/minute",
                    counter_rate_limit="5/minute", trusted_proxies="10.0.0.2, fd00::/8")
    yield app
    app.extensions["elicence.verifier"].close()


def test_budget_parsing_in_units_of_a_verification() -> None:
    assert parse_budget("600/minute", "X").amount == 600 * UNITS_PER_VERIFICATION
    assert parse_budget(" 50 / second ", "X").amount == 50 * UNITS_PER_VERIFICATION
    assert parse_budget("10000/hour", "X").get_expiry() == 3600
    assert parse_budget("off", "X") is None
    for bad in ("", "lots", "600/fortnight", "0/minute", "-1/second"):
        with pytest.raises(ConfigError, match="600/minute"):
            parse_budget(bad, "ELICENCE_RATE_LIMIT")
    with pytest.raises(ConfigError, match="reverse proxies"):
        parse_networks("10.0.0.1, proxy.example")


def test_costs_follow_what_a_request_costs_us() -> None:
    image = request_cost("POST", "/api/v1/verify", "multipart/form-data; boundary=x")
    verify = request_cost("POST", "/api/v1/verify", "application/json")
    page = request_cost("GET", "/static/counter/counter.js", "")
    assert image == IMAGE > CLAIM > CHAIN_READ > verify == VERIFY > page == FILE
    assert request_cost("GET", "/wallet/api/key", "") == CHAIN_READ
    assert request_cost("POST", "/api/v1/claims/challenge", "") == CLAIM
    # A history reads the authority's whole event list: priced like a photo to decode.
    assert request_cost("POST", "/api/v1/history", "application/json") == IMAGE


def test_a_budget_per_client_covers_every_endpoint(limited: Flask) -> None:
    client = limited.test_client()
    for _ in range(3):
        assert client.post("/api/v1/verify", json={"qr": "x"}).status_code == 200
    refused = client.post("/api/v1/verify", json={"qr": "x"})
    assert refused.status_code == 429 and error_of(refused)["reason"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    assert error_of(refused)["message"].endswith("try again.")
    assert refused.headers["Cache-Control"] == "no-store"
    # Everything else this client asks is refused too: pages, files, the wallet, 404s.
    for path in ("/verify", "/static/counter/counter.js", "/wallet/", "/wallet/api/key",
                 "/nothing-here"):
        assert client.get(path).status_code == 429, path
    other = client.post("/api/v1/verify", json={"qr": "x"},
                        environ_base={"REMOTE_ADDR": "127.0.0.2"})
    assert other.status_code == 200  # a budget per address


def test_an_image_costs_twenty_verifications(web_world: World, tmp_path) -> None:
    app = world_app(web_world, tmp_path / "home", rate_limit="25/minute")
    try:
        client = app.test_client()
        upload = {"data": {"qr": "x"}, "content_type": "multipart/form-data"}
        assert client.post("/api/v1/verify", **upload).status_code == 200  # 20 spent
        assert client.post("/api/v1/verify", **upload).status_code == 429  # 40 > 25
        for _ in range(5):  # what is left buys JSON verifications
            assert client.post("/api/v1/verify", json={"qr": "x"}).status_code == 200
        assert client.post("/api/v1/verify", json={"qr": "x"}).status_code == 429
    finally:
        app.extensions["elicence.verifier"].close()


def test_files_cost_a_tenth_of_a_verification(limited: Flask) -> None:
    client = limited.test_client()
    for _ in range(20):
        response = client.get("/static/counter/counter.css")
        assert response.status_code == 200
        response.close()
    assert client.post("/api/v1/verify", json={"qr": "x"}).status_code == 200  # 20 + 10 = 30
    assert client.get("/static/counter/counter.css").status_code == 429


def test_clients_behind_a_trusted_proxy_each_get_their_own_budget(limited: Flask) -> None:
    client = limited.test_client()

    def through_proxy(forwarded: str):
        return client.post("/api/v1/verify", json={"qr": "x"}, environ_base={
            "REMOTE_ADDR": "10.0.0.2"}, headers={"X-Forwarded-For": forwarded})

    for _ in range(3):
        assert through_proxy("203.0.113.5").status_code == 200
    assert through_proxy("203.0.113.5").status_code == 429
    # Another client of the same proxy is not refused for the first one's traffic.
    assert through_proxy("203.0.113.6").status_code == 200
    # A client writing its own X-Forwarded-For in front of the proxy's entry gains nothing.
    assert through_proxy("198.51.100.1, 203.0.113.5").status_code == 429


def test_forwarded_for_from_an_untrusted_peer_is_ignored(limited: Flask) -> None:
    client = limited.test_client()
    for n in range(3):
        assert client.post("/api/v1/verify", json={"qr": "x"},
                           headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code == 200
    refused = client.post("/api/v1/verify", json={"qr": "x"},
                          headers={"X-Forwarded-For": "203.0.113.99"})
    assert refused.status_code == 429  # all three counted against 127.0.0.1


def test_ipv6_clients_count_per_64(limited: Flask) -> None:
    client = limited.test_client()

    def from_address(address: str):
        return client.post("/api/v1/verify", json={"qr": "x"},
                           environ_base={"REMOTE_ADDR": address})

    for host in ("2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::9"):
        assert from_address(host).status_code == 200
    assert from_address("2001:db8:1:2:abcd::1").status_code == 429  # rotating in the /64
    assert from_address("2001:db8:1:3::1").status_code == 200  # the next /64 is another


def test_client_key_rules() -> None:
    trusted = parse_networks("10.0.0.0/24")
    assert client_key({"REMOTE_ADDR": "::ffff:192.0.2.1"}, trusted) == "192.0.2.1"
    assert client_key({"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR":
                       "2001:db8::1, 10.0.0.7"}, trusted) == "20010db800000000/64"
    assert client_key({"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "garbage"},
                      trusted) == "10.0.0.5"
    assert client_key({"REMOTE_ADDR": "10.0.0.5"}, trusted) == "10.0.0.5"
    assert client_key({}, trusted) == "?"


def test_an_authenticated_counter_spends_its_own_budget(limited: Flask) -> None:
    client = limited.test_client()
    tokens = CounterTokens(limited.extensions["elicence.verifier"].state.secret)
    as_counter = {"Authorization": "Counter " + tokens.mint("bank-7")}
    for _ in range(3):
        assert client.post("/api/v1/verify", json={"qr": "x"}).status_code == 200
    assert client.post("/api/v1/verify", json={"qr": "x"}).status_code == 429
    # The address is spent; the counter at that address is not, up to its own budget.
    for _ in range(5):
        assert client.post("/api/v1/verify", json={"qr": "x"},
                           headers=as_counter).status_code == 200
    assert client.post("/api/v1/verify", json={"qr": "x"}, headers=as_counter
                       ).status_code == 429
    forged = {"Authorization": "Counter bank-8." + tokens.mint("bank-7").split(".")[1]}
    refused = client.post("/api/v1/verify", json={"qr": "x"}, headers=forged)
    assert refused.status_code == 401
    assert error_of(refused)["reason"] == "counter_token_invalid"
    # Other schemes belong to other parts of the app: counted as the address.
    assert client.get("/verify", headers={"Authorization": "Bearer x"}).status_code == 429


def test_counter_tokens_depend_on_the_installation_secret() -> None:
    token = CounterTokens(b"a" * 32).mint("desk-1")
    assert CounterTokens(b"a" * 32).from_header("Counter " + token) == "desk-1"
    with pytest.raises(CounterTokenInvalid):
        CounterTokens(b"b" * 32).from_header("Counter " + token)
    with pytest.raises(CounterTokenInvalid):
        CounterTokens(b"a" * 32).mint("Desk 1")


def test_counter_token_command(tmp_path) -> None:
    env = {"ELICENCE_HOME": str(tmp_path)}
    result = CliRunner().invoke(main, ["counter-token", "desk-1"], env=env)
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    from verifier.state import StateStore

    store = StateStore(StateStore.sqlite_url(tmp_path))
    try:
        assert CounterTokens(store.secret).from_header("Counter " + token) == "desk-1"
    finally:
        store.close()
    bad = CliRunner().invoke(main, ["counter-token", "Desk 1"], env=env)
    assert bad.exit_code == 1 and "lower-case" in bad.output
    link = CliRunner().invoke(main, ["counter-token", "desk-1", "--url",
                                     "https://verify.example.gov.cn/"], env=env)
    assert link.output.strip() == f"https://verify.example.gov.cn/verify#counter-token={token}"
    wrong = CliRunner().invoke(main, ["counter-token", "desk-1", "--url", "verify.gov"], env=env)
    assert wrong.exit_code == 2 and "--url must be" in wrong.output


def test_serve_refuses_bad_limits_before_starting(tmp_path) -> None:
    for name, value, said in (("ELICENCE_RATE_LIMIT", "lots", "600/minute"),
                              ("ELICENCE_TRUSTED_PROXIES", "proxy", "reverse proxies"),
                              ("ELICENCE_REDIS_URL", "http://x", "redis://")):
        result = CliRunner().invoke(main, ["serve", "--no-follow"], env={
            "ELICENCE_HOME": str(tmp_path), name: value})
        assert result.exit_code == 1 and said in result.output, (name, result.output)


def test_limits_can_be_off(web_world: World, tmp_path) -> None:
    app = world_app(web_world, tmp_path / "home", rate_limit="off")
    try:
        client = app.test_client()
        assert all(client.post("/api/v1/verify", json={"qr": "x"}).status_code == 200
                   for _ in range(50))
    finally:
        app.extensions["elicence.verifier"].close()


def test_settings_from_config_json(tmp_path) -> None:
    from elicence.limits import LimitConfig

    config = LimitConfig.from_settings(Settings(home=tmp_path, extra={
        "rate_limit": "10/second", "trusted_proxies": "127.0.0.1"}), env={})
    assert config.client_budget is not None and config.client_budget.amount == 100
    assert [str(n) for n in config.trusted_proxies] == ["127.0.0.1/32"]
    assert config.storage_url == "memory://"


@pytest.mark.parametrize(("budget", "headers", "peer", "requester"), [
    ("3/minute", {}, "198.51.100.7", "198.51.100.7"),
    ("3/minute", {"X-Forwarded-For": "198.51.100.9"}, "10.0.0.2", "198.51.100.9"),
    ("3/minute", {"X-Forwarded-For": "198.51.100.9"}, "192.0.2.1", "192.0.2.1"),  # untrusted
    ("3/minute", {}, "2001:db8:1:2:3:4:5:6", "20010db800010002/64"),
    ("3/minute", {"Authorization": "Counter TOKEN"}, "10.0.0.2", "counter:bank-7"),
    ("off", {"X-Forwarded-For": "198.51.100.9"}, "10.0.0.2", "198.51.100.9"),
    ("off", {"Authorization": "Counter TOKEN"}, "10.0.0.2", "counter:bank-7"),
])
def test_the_app_learns_who_asked_as_the_budget_counted_it(
        budget: str, headers: dict[str, str], peer: str, requester: str, tmp_path) -> None:
    # The alert detectors count clients by this (verifier.web.requester); behind the proxy
    # the peer address is the proxy's, which would make every client one.
    from elicence.limits import LimitConfig, RequestLimits
    from elicence.web_errors import render_error
    from verifier.web.requester import requester as requester_of

    tokens = CounterTokens(b"s" * 32)
    seen = []

    def app(environ, start_response):  # type: ignore[no-untyped-def]
        seen.append(requester_of(environ))
        start_response("204 No Content", [])
        return []

    config = LimitConfig.from_settings(Settings(home=tmp_path, extra={
        "rate_limit": budget, "trusted_proxies": "10.0.0.2"}), env={})
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/healthz", "REMOTE_ADDR": peer,
               **{"HTTP_" + name.upper().replace("-", "_"):
                  value.replace("TOKEN", tokens.mint("bank-7"))
                  for name, value in headers.items()}}
    list(RequestLimits(app, config, tokens, render_error)(environ, lambda *a: None))
    assert seen == [requester]
