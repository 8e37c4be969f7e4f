"""The per-client token bucket and the budget setting."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from chain.config import ConfigError
from elicence.cli import main
from verifier.rate_limit import Budget, RateLimiter, retry_after_seconds


def test_budget_parsing() -> None:
    assert Budget.parse("600/minute") == Budget(600, 60)
    assert Budget.parse(" 50 / second ") == Budget(50, 1)
    assert Budget.parse("10000/hour") == Budget(10000, 3600)
    assert Budget.parse("5/30") == Budget(5, 30)
    for bad in ("", "lots", "600/fortnight", "0/minute", "-1/second", "600/0"):
        with pytest.raises(ConfigError, match="rate limit"):
            Budget.parse(bad)


def test_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    limiter = RateLimiter(Budget(3, 60))  # one request back every 20 s
    assert [limiter.take("a", 100.0) for _ in range(3)] == [0, 0, 0]
    wait = limiter.take("a", 100.0)
    assert wait == pytest.approx(20.0) and retry_after_seconds(wait) == 20
    assert limiter.take("b", 100.0) == 0  # per client
    assert limiter.take("a", 110.0) == pytest.approx(10.0)  # half a token back
    assert limiter.take("a", 120.0) == 0
    assert limiter.take("a", 120.0) > 0
    assert [limiter.take("a", 10_000.0) for _ in range(3)] == [0, 0, 0]  # capped at the burst
    assert limiter.take("a", 10_000.0) > 0


def test_serve_refuses_a_bad_budget_before_starting(tmp_path) -> None:
    result = CliRunner().invoke(main, ["serve", "--no-follow"], env={
        "ELICENCE_HOME": str(tmp_path), "ELICENCE_RATE_LIMIT": "lots"})
    assert result.exit_code == 1 and "600/minute" in result.output
