"""An nginx configuration for `elicence serve` replicas on 127.0.0.1 ports (docs/deployment.md,
docs/decisions/0164).

nginx is the edge: it buffers whole request bodies and answers before a replica sees them (a
slow client holds an nginx connection, never a one-thread worker), bounds body size and every
timeout, replaces X-Forwarded-For with the peer address (a client cannot name itself; the
replicas believe it because ELICENCE_TRUSTED_PROXIES names nginx), and moves a request to the
next replica when one cannot be reached: idempotent requests and verification POSTs only,
since a verification changes nothing a second answer would contradict.

    python -m elicence.nginx --prefix DIR --listen PORT --upstream 8001 --upstream 8002
writes DIR/nginx.conf whose pid file, logs and temporary files all live in DIR.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import orjson
from werkzeug.exceptions import BadRequest, NotFound, RequestEntityTooLarge

from licence.errors import ElicenceError

from .app import MAX_REQUEST_BYTES
from .web_errors import (
    ALWAYS,
    UNLESS_SET,
    HttpRefusal,
    as_error,
    error_document,
    error_headers,
    http_status,
)

# Requests that are safe to send to a second replica after the first failed to answer:
# a verdict is a read (the replay cache and usage records are keyed by the code itself).
RETRIED_POSTS = ("/api/v1/verify",)
CONNECT_SECONDS = 2  # a replica on this host that does not accept in 2 s is down
READ_SECONDS = 30  # the slowest answer: a photo decode or a chain read, with margin
CLIENT_SECONDS = 10  # a client sends headers, a body chunk, or reads within this
# Requests one replica works on or has queued at once. A one-worker replica answers a JSON
# verification in about a millisecond, so 16 queued cost at most ~16 ms of waiting; past
# that nginx answers 503 at once instead of letting the queue (and every latency) grow.
MAX_IN_FLIGHT = 16
REPLICA_KEEPALIVE_SECONDS = 4  # below gunicorn's 5 s: nginx never reuses a closing connection
RETRY_AFTER_SECONDS = 2
# A proxied request holds two connections (client and replica); 4,096 leave room for
# thousands of waiting clients while at most MAX_IN_FLIGHT per replica reach the replicas.
WORKER_CONNECTIONS = 4096

UNAVAILABLE = HttpRefusal("The service is busy or restarting: try again in a few seconds.",
                          reason="service_unavailable", retry_after=RETRY_AFTER_SECONDS)


def _quoted(text: str) -> str:
    """`text` as one nginx string, in whichever quotes it does not hold (escaped else)."""
    if "$" in text:  # nginx would read a variable there, and has no escape for it
        raise ValueError(f"no '$' in an nginx answer: {text!r}")
    text = text.replace("\\", "\\\\").replace("\n", "\\n")
    quote = "'" if "'" not in text else '"' if '"' not in text else "'"
    return quote + text.replace(quote, "\\" + quote) + quote


def _error_location(name: str, error: ElicenceError) -> str:
    """A location answering `error` as the app would: our JSON document, its headers
    (Retry-After...), and the security headers every answer carries. `name` is a named
    location (@name), or an exact internal path for errors met before a request has a
    URI (a malformed request line), which a named location cannot take."""
    body = orjson.dumps(error_document(error),
                        option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE).decode()
    headers = [*error_headers(error), *ALWAYS, *UNLESS_SET]
    lines = "\n".join(f"            add_header {n} {_quoted(v)} always;" for n, v in headers)
    # An internal path asked for from outside answers 404: that one in JSON too.
    internal = "" if name.startswith("@") else ("\n            internal;"
                                                "\n            error_page 404 =404 @not_found;")
    return f"""        location {name} {{{internal}
            default_type application/json;
{lines}
            return {http_status(error)} {_quoted(body)};
        }}"""


def nginx_config(prefix: Path, listen_port: int, upstream_ports: Sequence[int],
                 listen_host: str = "127.0.0.1", max_in_flight: int = MAX_IN_FLIGHT) -> str:
    """The configuration text; every path nginx writes is under `prefix`."""
    if not upstream_ports:
        raise ValueError("name at least one replica port (--upstream PORT)")
    if max_in_flight < 1:
        raise ValueError("let each replica take at least one request (--max-in-flight N)")
    body_mib = -(-MAX_REQUEST_BYTES // (1024 * 1024))
    servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s "
                        f"max_conns={max_in_flight};" for port in upstream_ports)
    proxy = """            proxy_pass http://elicence;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;"""
    retried = "\n".join(f"""        location = {path} {{
            proxy_next_upstream error timeout non_idempotent;
{proxy}
        }}""" for path in RETRIED_POSTS)
    errors = "\n".join((_error_location("= /.errors/bad_request", as_error(BadRequest())),
                        _error_location("@not_found", as_error(NotFound())),
                        _error_location("@too_large", as_error(RequestEntityTooLarge())),
                        _error_location("@unavailable", UNAVAILABLE)))
    return f"""# Generated by `python -m elicence.nginx`; see docs/deployment.md.
daemon on;
worker_processes 1;
worker_rlimit_nofile {2 * WORKER_CONNECTIONS};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;

events {{
    worker_connections {WORKER_CONNECTIONS};
}}

http {{
    access_log {prefix}/access.log combined buffer=64k flush=1s;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    default_type application/octet-stream;
    server_tokens off;

    # What a client may hold: bodies up to the app's own limit, and short idle times.
    client_max_body_size {body_mib}m;
    client_body_buffer_size 128k;
    client_body_timeout {CLIENT_SECONDS}s;
    client_header_timeout {CLIENT_SECONDS}s;
    send_timeout {CLIENT_SECONDS}s;
    keepalive_timeout 15s;
    reset_timedout_connection on;

    # Whole bodies in, whole answers out: replicas never wait on a slow client.
    proxy_request_buffering on;
    proxy_buffering on;
    proxy_connect_timeout {CONNECT_SECONDS}s;
    proxy_send_timeout {CLIENT_SECONDS}s;
    proxy_read_timeout {READ_SECONDS}s;
    # Failover: by default only idempotent methods move to the next replica.
    proxy_next_upstream error timeout;
    proxy_next_upstream_tries 2;
    proxy_next_upstream_timeout {CLIENT_SECONDS}s;

    upstream elicence {{
        zone elicence 64k;
        least_conn;
{servers}
        keepalive {max_in_flight * len(upstream_ports)};
        keepalive_timeout {REPLICA_KEEPALIVE_SECONDS}s;
    }}

    server {{
        listen {listen_host}:{listen_port};
        # nginx's own refusals in the app's JSON error model. Replicas' answers pass as they
        # are (proxy_intercept_errors is off); every replica busy (max_conns), none
        # reachable, or nginx out of connections: 503 with Retry-After, never a 500.
        error_page 400 414 494 =400 /.errors/bad_request;
        error_page 413 =413 @too_large;
        error_page 500 502 503 504 =503 @unavailable;
{errors}
{retried}
        location / {{
{proxy}
        }}
    }}
}}
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m elicence.nginx",
                                     description="Write nginx.conf for elicence replicas.")
    parser.add_argument("--prefix", type=Path, required=True,
                        help="directory for nginx.conf, its pid file, logs and temp files")
    parser.add_argument("--listen", type=int, required=True, help="port nginx listens on")
    parser.add_argument("--upstream", type=int, action="append", default=[],
                        help="a replica's port on 127.0.0.1 (repeat)")
    parser.add_argument("--max-in-flight", type=int, default=MAX_IN_FLIGHT,
                        help="requests one replica works on or queues at once; past that "
                             "nginx answers 503 with Retry-After (default %(default)s)")
    args = parser.parse_args(argv)
    if not args.upstream:
        parser.error("name at least one replica port with --upstream PORT")
    if args.max_in_flight < 1:
        parser.error("--max-in-flight must be at least 1 (requests a replica takes at once)")
    prefix = args.prefix.resolve()
    prefix.mkdir(parents=True, exist_ok=True, mode=0o700)
    conf = prefix / "nginx.conf"
    conf.write_text(nginx_config(prefix, args.listen, args.upstream,
                                  max_in_flight=args.max_in_flight))
    print(conf)
    return 0


if __name__ == "__main__":
    sys.exit(main())
