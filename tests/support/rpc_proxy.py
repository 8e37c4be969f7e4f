"""A small JSON-RPC proxy in front of a real node that can lie the way a faulty or hostile
node would: freeze its head at a block (a stuck node) or hide one transaction's logs (a
node omitting an event). Everything else passes through unchanged.

    with RpcProxy(node.url) as proxy:       # serves on 127.0.0.1, proxy.url
        proxy.freeze_at(1234)               # blocks after 1234 do not exist
        proxy.hide_transaction(tx_hash)     # its logs are left out of eth_getLogs
"""

from __future__ import annotations

import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LATEST_TAGS = ("latest", "pending", "safe", "finalized")
MAX_BODY = 1 << 20


class RpcProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.frozen_at: int | None = None
        self.hidden: set[str] = set()
        self.requests = 0  # how many calls the proxy answered (a bound for the tests)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> RpcProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    # ------------------------------------------------------------------ lies
    def freeze_at(self, block: int | None) -> None:
        self.frozen_at = block

    def hide_transaction(self, tx_hash: str) -> None:
        self.hidden.add(tx_hash.lower().removeprefix("0x"))

    def reveal_all(self) -> None:
        self.hidden.clear()

    # ------------------------------------------------------------------ forwarding
    def _forward(self, call: dict[str, Any]) -> dict[str, Any]:
        method, params = call.get("method"), list(call.get("params") or [])
        frozen = self.frozen_at
        if frozen is not None:
            if method == "eth_blockNumber":
                return {"jsonrpc": "2.0", "id": call.get("id"), "result": hex(frozen)}
            if method == "eth_getBlockByNumber" and params:
                tag = params[0]
                if tag in LATEST_TAGS:
                    params[0] = hex(frozen)
                elif int(tag, 16) > frozen:
                    return {"jsonrpc": "2.0", "id": call.get("id"), "result": None}
            if method == "eth_getLogs" and params:
                to_block = params[0].get("toBlock", "latest")
                if to_block in LATEST_TAGS or int(to_block, 16) > frozen:
                    params[0] = {**params[0], "toBlock": hex(frozen)}
        answer = self._upstream({**call, "params": params})
        if method == "eth_getLogs" and self.hidden and isinstance(answer.get("result"), list):
            answer["result"] = [
                log for log in answer["result"]
                if log["transactionHash"].lower().removeprefix("0x") not in self.hidden]
        return answer

    def _upstream(self, call: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            self.upstream, data=json.dumps(call).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
                body = json.loads(self.rfile.read(length))
                proxy.requests += 1
                if isinstance(body, list):
                    answer: Any = [proxy._forward(call) for call in body]
                else:
                    answer = proxy._forward(body)
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:  # quiet
                pass

        return Handler
