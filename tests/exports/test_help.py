"""The export commands explain themselves without a chain."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from elicence.cli import main


@pytest.mark.parametrize("path", [("export",), ("authority", "export-trust")])
def test_export_commands_have_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output


def test_export_help_names_the_formats() -> None:
    out = CliRunner().invoke(main, ["export", "--help"]).output
    assert all(name in out for name in ("sd-jwt-vc", "vc-jwt", "mdoc", "--holder-key"))


def test_a_missing_format_or_input_is_a_usage_error() -> None:
    assert CliRunner().invoke(main, ["export", "ELC1:X"]).exit_code == 2
    result = CliRunner().invoke(main, ["export", "--format", "vc-jwt"])
    assert result.exit_code == 2
    assert "Give exactly one of QR_TEXT, --image FILE, or - for stdin." in result.output
