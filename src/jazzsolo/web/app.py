"""The FastAPI application: the page, the JSON API under ``/api/``, and ``serve``.

``create_app`` builds a self-contained server (its own worker pool and take store) from a
``ServerConfig``, so tests and benchmarks can make small, deterministic ones. FastAPI's generated
docs are at ``/docs`` and ``/openapi.json``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import ipaddress
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict
from starlette.middleware.trustedhost import TrustedHostMiddleware

from ..errors import JazzsoloError, RequestError
from . import jobs
from .limits import DEFAULTS, Limits, TakeSpec, check_request, web_field
from .pool import PoolFull, WorkerPool
from .store import Take, TakeStore, discard

STATIC = Path(__file__).resolve().parent / "static"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
PAGE_POLICY = ("default-src 'self'; img-src 'self' data:; media-src 'self'; "
               "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")

Runner = Callable[[TakeSpec, Path], list[dict[str, Path]]]


@dataclass(frozen=True)
class ServerConfig:
    """Everything a server bounds: request limits, workers and queue, kept takes, hosts."""

    limits: Limits = field(default_factory=Limits)
    workers: int = 2
    queue: int = 8
    max_takes: int = 64
    max_age_s: float = 3600.0
    max_store_bytes: int = 512 * 2**20
    max_body_bytes: int = 16 * 1024
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS


class SoloRequest(BaseModel):
    """One request for a take; every field is optional and checked against the limits
    (``GET /api/options`` lists them). Give ``chords`` (text) or ``progression`` (a name)."""

    model_config = ConfigDict(extra="forbid")

    model: str | None = None
    chords: str | None = None
    progression: str | None = None
    beats_per_bar: int | None = None
    choruses: int | None = None
    tempo: float | None = None
    sampling: str | None = None
    temperature: float | None = None
    top_k: int | None = None
    top_p: float | None = None
    seed: int | None = None
    n_outputs: int | None = None
    bass: bool | None = None
    style: str | None = None
    swing: float | None = None
    instrument: str | None = None
    player: str | None = None
    ornaments: bool | None = None


def _error(status: int, message: str, field_name: str | None = None,
           headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": message, "field": field_name}, status_code=status,
                        headers=headers)


def _take_info(spec: TakeSpec, take_id: str, outputs: list[dict[str, Path]],
               seconds: float) -> dict[str, Any]:
    base = f"/api/solos/{take_id}"
    info = spec.describe()
    info.update(
        id=take_id, url=base, music_seconds=round(spec.seconds, 2),
        compute_seconds=round(seconds, 3),
        outputs=[{kind: f"{base}/{path.name}" for kind, path in out.items()} for out in outputs],
    )
    return info


def create_app(config: ServerConfig | None = None, runner: Runner | None = None) -> FastAPI:
    """A server with its own worker pool and take store; ``runner`` makes one take (the real
    generator by default; tests pass a fake that blocks)."""
    from ..generate_jazz import is_jazz_model, model_players
    from ..progressions import PROGRESSIONS

    config = config or ServerConfig()
    runner = runner or jobs.run_take
    pool = WorkerPool(config.workers, config.queue)
    store = TakeStore(config.max_takes, config.max_age_s, config.max_store_bytes)
    models = jobs.bundled_models()
    players = {m.name: model_players(m.directory) for m in models}
    ornaments = {m.name: is_jazz_model(m.directory) for m in models}  # the jazz model's mask
    features = jobs.features()

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async def prune_now_and_then() -> None:
            while True:
                await asyncio.sleep(min(60.0, max(1.0, config.max_age_s / 4)))
                store.prune()

        task = asyncio.create_task(prune_now_and_then())
        try:
            yield
        finally:
            task.cancel()
            pool.shutdown()
            store.close()

    app = FastAPI(title="jazzsolo", summary="Improvise jazz solos over chord changes.",
                  lifespan=lifespan)
    app.state.pool, app.state.store, app.state.config = pool, store, config
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(config.allowed_hosts))

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Any]) -> Response:
        if request.method == "POST":
            length = request.headers.get("content-length")
            if length is None or not length.isdigit():
                return _error(411, "body: send a Content-Length header", "body")
            if int(length) > config.max_body_bytes:
                return _error(413, f"body: {length} bytes; at most {config.max_body_bytes}",
                              "body")
            if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
                return _error(415, "body: send JSON (Content-Type: application/json)", "body")
        response = await call_next(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        if not request.url.path.startswith(("/docs", "/redoc")):
            response.headers["Content-Security-Policy"] = PAGE_POLICY
        return response

    @app.exception_handler(RequestValidationError)
    async def bad_shape(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problem = exc.errors()[0]
        loc = [str(part) for part in problem.get("loc", ()) if part != "body"]
        name = loc[0] if loc and not loc[0].isdigit() else "body"
        return _error(422, f"{name}: {problem.get('msg', 'bad value')}", name)

    @app.exception_handler(JazzsoloError)
    async def bad_value(_request: Request, exc: JazzsoloError) -> JSONResponse:
        if not isinstance(exc, RequestError):
            return _error(422, str(exc))
        name, message = web_field(exc), str(exc)
        if not message.startswith(name):
            message = f"{name}: {message}"
        return _error(422, message, name)

    def make_take(spec: TakeSpec) -> dict[str, Any]:
        take_id, folder = store.new_folder()
        start = time.perf_counter()
        try:
            outputs = runner(spec, folder)
            info = _take_info(spec, take_id, outputs, time.perf_counter() - start)
            files = {p.name: p for out in outputs for p in out.values()}
            store.add(Take(take_id, folder, files, info))
        except BaseException:
            discard(folder)
            raise
        return info

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/api/progressions", summary="The built-in chord progressions")
    async def progressions() -> list[dict[str, Any]]:
        return [{"name": p.name, "description": p.description, "text": p.text,
                 "beats_per_bar": p.beats_per_bar, "bars": p.bar_count()}
                for p in PROGRESSIONS.values()]

    @app.get("/api/models", summary="The bundled models (the first is the default)")
    async def list_models() -> list[dict[str, Any]]:
        return [{"name": m.name, "description": m.trained_on, "default": k == 0,
                 "players": players[m.name], "ornaments": ornaments[m.name]}
                for k, m in enumerate(models)]

    @app.get("/api/options", summary="Limits, defaults and the band options this server has")
    async def options() -> dict[str, Any]:
        return {
            "limits": dataclasses.asdict(config.limits),
            "defaults": {"model": models[0].name, **DEFAULTS},
            "features": features,
            "server": {"workers": pool.workers, "queue": pool.queue,
                       "max_takes": store.max_takes, "max_age_s": store.max_age_s,
                       "max_store_bytes": store.max_bytes},
        }

    @app.post("/api/solos", status_code=201, summary="Improvise: make a take",
              responses={422: {"description": "a field breaks a limit (named in `field`)"},
                         503: {"description": "the queue is full; try again shortly"}})
    async def create_solo(body: SoloRequest) -> Any:
        spec = check_request(body.model_dump(exclude_none=True), config.limits,
                             [m.name for m in models], PROGRESSIONS, features)
        try:
            future = pool.submit(make_take, spec)
        except PoolFull:
            return _error(503, f"the server is busy ({pool.capacity} takes running or "
                               "waiting); try again in a moment", None, {"Retry-After": "2"})
        return await asyncio.wrap_future(future)

    @app.get("/api/solos/{take_id}", summary="A take's settings and file URLs")
    async def get_solo(take_id: str) -> Any:
        take = store.get(take_id)
        if take is None:
            return _error(404, "no such take (takes are removed after a while)")
        return take.info

    @app.get("/api/solos/{take_id}/{name}", summary="A file of a take (MIDI, WAV or PNG)")
    async def get_file(take_id: str, name: str) -> Any:
        take = store.get(take_id)
        path = take.files.get(name) if take else None
        if path is None:
            return _error(404, "no such file (takes are removed after a while)")
        kind = path.suffix.lstrip(".")
        return FileResponse(path, media_type=jobs.MEDIA_TYPES[kind],
                            headers={"Cache-Control": "private, max-age=3600"})

    return app


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (127.x, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port; a busy or bad address is a one-line error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise JazzsoloError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 2, queue: int = 8,
          announce: Callable[[str], None] = print) -> None:
    """Run the server until interrupted; answers only on loopback unless ``host`` says else."""
    import uvicorn

    sock = bind(host, port)  # first: a busy port fails before any folder or thread exists
    hosts = LOOPBACK_HOSTS if is_loopback(host) else ("*",)
    app = create_app(ServerConfig(workers=workers, queue=queue, allowed_hosts=hosts))
    shown = f"[{host}]" if ":" in host else host
    if not is_loopback(host):
        announce(f"warning: {host} is reachable from other machines; anyone there can use it")
    announce(f"jazzsolo: open http://{shown}:{sock.getsockname()[1]}/ (Ctrl+C stops)")
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    server.run(sockets=[sock])
