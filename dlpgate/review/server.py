"""Run the review app: on its own (`dlpgate review`) or beside the relay (`serve`, review.enabled).

uvicorn serves it on `review.listen` in the same event loop as the relay, so a
release from the app and a message through the relay share one store handle.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import uvicorn

from dlpgate.config import Settings, split_host_port
from dlpgate.review.app import create_app


class AppServer:
    """An ASGI app served by uvicorn inside the running event loop."""

    def __init__(self, asgi: Any, listen: str) -> None:
        host, port = split_host_port(listen)
        # log_config=None: uvicorn's own handlers printed a failing page's whole traceback to
        # stderr, the exception's words with it (a file's name, an address), past the masking
        # every other log line has; its records go to obs's handler instead, as a library's
        config = uvicorn.Config(asgi, host=host, port=port, log_config=None,
                                log_level="warning", access_log=False, lifespan="off",
                                server_header=False, proxy_headers=False)
        self.server = uvicorn.Server(config)
        self.server.install_signal_handlers = lambda: None  # the relay owns the signals
        self._task: asyncio.Task[Any] | None = None

    async def start(self) -> None:
        from dlpgate.workers import spawn

        logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
        self._task = spawn(self.server.serve(), name="asgi-app")
        while not self.server.started:
            if self._task.done():
                self._task.result()  # raises why it could not start
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        self.server.should_exit = True
        if self._task is not None:
            await asyncio.wait([self._task], timeout=10)


class ReviewServer(AppServer):
    def __init__(self, settings: Settings, store: Any) -> None:
        super().__init__(create_app(settings, store), settings.review.listen)


async def serve_review(settings: Settings, store: Any) -> None:
    """`dlpgate review`: the app alone, until SIGTERM or SIGINT. It says when it listens and
    when it stops, as `serve` does (it said nothing at all: a running app and a hung one
    looked the same in the journal)."""
    import signal

    from dlpgate import __version__, obs

    log = obs.logger("dlpgate.review")
    app = ReviewServer(settings, store)
    stop = asyncio.Event()
    received: list[str] = []
    loop = asyncio.get_running_loop()
    # before it listens, as `serve` does: a SIGTERM that came as soon as the port answered
    # (systemd stopping it at once, a test) killed it without its clean stop
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda s=sig: (received.append(s.name), stop.set()))
    await app.start()
    log.info("review_listening", version=__version__, listen=settings.review.listen)
    # as `serve` does at start: every reviewer's action is an audit entry, so a node left
    # behind a key rotation says so before the first one, not at it
    try:
        await asyncio.to_thread(store.audit_key_behind)
    except Exception as exc:  # never a reason not to serve the reviewers
        log.error("audit_key_check_failed", error=type(exc).__name__)
    await stop.wait()
    log.info("stopping", signal=received[0])
    await app.stop()
    log.info("stopped")
