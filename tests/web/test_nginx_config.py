"""The generated nginx configuration: accepted by Debian's nginx, everything it writes inside
its prefix, and a clear refusal without replicas."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from elicence.nginx import main, nginx_config


def test_the_configuration_passes_nginx_and_writes_only_inside_its_prefix(tmp_path: Path) -> None:
    text = nginx_config(tmp_path, 8080, [8001, 8002])
    conf = tmp_path / "nginx.conf"
    conf.write_text(text)
    checked = subprocess.run(["/usr/sbin/nginx", "-t", "-p", str(tmp_path), "-c", str(conf),
                              "-e", str(tmp_path / "error.log")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    paths = re.findall(r"^\s*(?:pid|error_log|access_log|\w+_temp_path) (\S+?)[;\s]", text, re.M)
    assert len(paths) == 8 and all(p.startswith(str(tmp_path)) for p in paths)
    assert "server 127.0.0.1:8001" in text and "server 127.0.0.1:8002" in text
    assert "listen 127.0.0.1:8080;" in text
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in text
    assert "location = /api/v1/verify {\n            proxy_next_upstream error timeout " \
           "non_idempotent;" in text


def test_without_a_replica_the_command_says_what_to_add(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--prefix", str(tmp_path), "--listen", "8080"])
    assert exit_.value.code == 2
    assert "--upstream PORT" in capsys.readouterr().err
    assert not (tmp_path / "nginx.conf").exists()


def test_the_deployment_guide_shows_the_generated_configuration() -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "deployment.md").read_text()
    text = nginx_config(Path("/srv/elicence/nginx"), 8080, [8001, 8002])
    indented = "\n".join(f"    {line}" if line else "" for line in text.rstrip("\n").split("\n"))
    assert indented in guide, "regenerate the block in docs/deployment.md (Replicas behind nginx)"
