"""`elicence serve`: the whole web app (verifier API and counter page, wallet, and the
claim exchange with --claims) on gunicorn, with the verifier's status follower.

The follower runs in gunicorn's main process and writes the index; each worker process
builds its own app (its own read-only index connection) and never talks to the node.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import click

from chain.config import load_settings
from licence.errors import ElicenceError
from verifier.follower import DEFAULT_INTERVAL, Follower, IndexSync
from verifier.web import WebConfig
from wallet.settings import WalletSettings

from .limits import LimitConfig
from .serve_alerts import start_alert_collector
from .serve_tls import check_tls_option, gunicorn_tls

log = logging.getLogger("elicence.serve")
TLS_THREADS = 8  # enough for the pre-opened connections of a few browsers (decision 0071)


def gunicorn_application(factory: Any, options: dict[str, Any]) -> Any:
    """A gunicorn application serving `factory()`'s WSGI app with `options`."""
    from gunicorn.app.base import BaseApplication

    class Application(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return factory()

    return Application()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (keep 127.0.0.1 behind a reverse proxy).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Worker processes (about one per CPU core).")
@click.option("--threads", type=click.IntRange(1, 64),
              help="Threads per worker [default: 1; 8 with --tls-cert]. Verification is "
                   "CPU-bound, so one thread per worker answers fastest. With TLS, a "
                   "browser's pre-opened connections each hold a thread until they send a "
                   "request; more threads also help clients on slow links that reach the "
                   "server without a buffering reverse proxy.")
@click.option("--sync-interval", type=click.FloatRange(0.5, 3600), default=DEFAULT_INTERVAL,
              show_default=True, help="Seconds between status index syncs from the chain.")
@click.option("--rpc", "witnesses", multiple=True, metavar="URL",
              help="A witness node: at each sync the synced block's hash must be the same "
                   "there, else verdicts are unknown (repeatable; also "
                   "ELICENCE_WITNESS_RPC_URLS, comma-separated).")
@click.option("--no-follow", is_flag=True,
              help="Do not sync the status index (another process keeps it current).")
@click.option("--claims", is_flag=True,
              help="Also serve the wallet claim exchange (an authority's own server only: "
                   "needs the issuer store and the keys' passphrase).")
@click.option("--tls-cert", type=click.Path(dir_okay=False), callback=check_tls_option,
              help="Serve HTTPS with this PEM certificate (chain); with --tls-key. For the "
                   "demo's phones: production terminates TLS at a reverse proxy.")
@click.option("--tls-key", type=click.Path(dir_okay=False), callback=check_tls_option,
              help="The PEM private key of --tls-cert.")
def serve_command(host: str, port: int, workers: int, threads: int | None,
                  sync_interval: float, no_follow: bool, claims: bool,
                  witnesses: tuple[str, ...] = (),
                  tls_cert: str | None = None, tls_key: str | None = None) -> None:
    """Serve the verification API (/api/v1/...) and the counter page (/verify).

    Settings come from ELICENCE_HOME; ELICENCE_RATE_LIMIT (e.g. 600/minute, in JSON
    verifications' worth) sets each client address's request budget,
    ELICENCE_COUNTER_RATE_LIMIT an authenticated counter's, ELICENCE_TRUSTED_PROXIES the
    proxies whose X-Forwarded-For is believed, ELICENCE_REDIS_URL the Redis all replicas
    count in; ELICENCE_COUNTER_ID / _NAME_ZH / _NAME_EN name this
    counter in holders' usage records; ELICENCE_WALLET_REFRESH_DAYS (1 to 365, default
    30) is after how many days a holder's wallet asks for its copy signed again.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        settings = load_settings()
        web_config = WebConfig.from_settings(settings)  # refuse bad settings first
        LimitConfig.from_settings(settings)
        WalletSettings.from_settings(settings)
        if claims:
            from issuer.claims.web import key_check_setting

            key_check_setting(settings)
    except ElicenceError as exc:
        raise click.ClickException(exc.message) from None
    # Forked first, while this process has no other thread or connection.
    server_pid = os.getpid()
    alert_relay, stop_alert_collector = start_alert_collector(web_config)
    follower = None
    if not no_follow:
        if settings.registry_address:
            try:
                sync = IndexSync.for_settings(settings, witnesses=witnesses)
            except ElicenceError as exc:
                raise click.ClickException(exc.message) from None
            follower = Follower(sync, settings.home, interval=sync_interval)
            follower.step()  # sync once before accepting requests
            follower.start()
        else:
            click.echo("No registry is configured, so the status index is not synced; "
                       "verifying from the index as it is.", err=True)

    def factory() -> Any:
        import gc

        from .app import create_app

        app = create_app(load_settings(), claims=claims, alert_relay=alert_relay)
        gc.freeze()  # the app's long-lived objects: not rescanned by every collection
        return app

    if threads is None:
        threads = TLS_THREADS if tls_cert else 1
    scheme = "https" if tls_cert else "http"
    click.echo(f"Serving the verifier on {scheme}://{host}:{port}/verify ({workers} workers × "
               f"{threads} threads)", err=True)
    try:
        gunicorn_application(factory, {
            "bind": f"{host}:{port}", "workers": workers,
            # gthread workers keep connections alive (the main thread watches idle ones):
            # a counter's page or a busy client reuses its connection instead of paying
            # for a new one per verification. With one thread, without the hand-off to it.
            "worker_class": ("elicence.serve_worker.OneThreadWorker" if threads == 1
                             else "gthread"),
            "threads": threads,
            "timeout": 30, "graceful_timeout": 5, "keepalive": 5, "accesslog": None,
            "errorlog": "-", "loglevel": "warning", "proc_name": "elicence-serve",
            **gunicorn_tls(tls_cert, tls_key),
        }).run()
    finally:
        # A worker leaves gunicorn's fork through here too: only the server process stops
        # what it started.
        if os.getpid() == server_pid:
            if follower is not None:
                follower.stop()
            stop_alert_collector()
    sys.exit(0)
