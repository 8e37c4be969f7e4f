"""The generated nginx configuration: accepted by Debian's nginx, everything it writes inside
its prefix, and a clear refusal without replicas."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request
from pathlib import Path

import pytest

from elicence.nginx import _quoted, main, nginx_config
from elicence.web_errors import MESSAGES_ZH
from tests.support.ports import free_port


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


def test_busy_replicas_are_a_bounded_queue_and_a_json_503_never_a_500(tmp_path: Path) -> None:
    text = nginx_config(tmp_path, 8080, [8001, 8002], max_in_flight=5)
    assert "server 127.0.0.1:8001 max_fails=1 fail_timeout=5s max_conns=5;" in text
    assert "least_conn;" in text and "keepalive 10;" in text
    # nginx's own 5xx (busy, unreachable, out of connections) all become our 503.
    assert "error_page 500 502 503 504 =503 @unavailable;" in text
    location = text.split("location @unavailable {", 1)[1].split("}\n", 1)[0]
    assert "add_header Retry-After '2' always;" in location
    assert "add_header X-Content-Type-Options 'nosniff' always;" in location
    assert "add_header Cache-Control 'no-store' always;" in location
    answer = re.search(r"return 503 '(.*)';", location).group(1).replace("\\n", "\n")
    assert json.loads(answer) == {"error": {
        "reason": "service_unavailable",
        "message": "The service is busy or restarting: try again in a few seconds.",
        "message_zh": MESSAGES_ZH["service_unavailable"]}}
    connections = int(re.search(r"worker_connections (\d+);", text).group(1))
    files = int(re.search(r"worker_rlimit_nofile (\d+);", text).group(1))
    assert connections >= 4096 and files >= 2 * connections


def test_a_replica_takes_at_least_one_request(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--prefix", str(tmp_path), "--listen", "8080", "--upstream", "8001",
              "--max-in-flight", "0"])
    assert exit_.value.code == 2
    assert "--max-in-flight must be at least 1" in capsys.readouterr().err
    assert not (tmp_path / "nginx.conf").exists()


def test_answers_are_quoted_so_that_nginx_sends_them_back_unchanged(tmp_path: Path) -> None:
    texts = ["a 'quoted' word", 'say "hi"', "both ' and \" \\ and a\nnew line", "中文"]
    port = free_port()
    locations = "".join(f"location = /{i} {{ return 200 {_quoted(t)}; }}\n"
                        for i, t in enumerate(texts))
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"pid {tmp_path}/nginx.pid;\nevents {{}}\nhttp {{\n"
                    f"access_log off; client_body_temp_path {tmp_path}/body;\n"
                    f"proxy_temp_path {tmp_path}/proxy; fastcgi_temp_path {tmp_path}/fcgi;\n"
                    f"uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;\n"
                    f"server {{ listen 127.0.0.1:{port};\n{locations}}} }}\n", encoding="utf-8")
    nginx = ["/usr/sbin/nginx", "-p", str(tmp_path), "-c", str(conf),
             "-e", str(tmp_path / "error.log")]
    subprocess.run([*nginx, "-g", "daemon on;"], check=True)  # listening once it returns
    try:
        for i, text in enumerate(texts):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/{i}", timeout=10) as answer:
                assert answer.read().decode() == text
    finally:
        subprocess.run([*nginx, "-s", "quit"], check=False)
    with pytest.raises(ValueError, match="no '\\$'"):
        _quoted("costs $5")
