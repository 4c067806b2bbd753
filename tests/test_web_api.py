"""The web server's JSON API through FastAPI's TestClient: takes, files, every limit, 503."""

from __future__ import annotations

import json
import socket
import stat
import threading
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the web extra (fastapi) is not installed")
pytest.importorskip("httpx", reason="httpx (FastAPI's TestClient) is not installed")

from fastapi.testclient import TestClient  # noqa: E402

from jazzsolo.cli import main  # noqa: E402
from jazzsolo.web.app import ServerConfig, create_app, is_loopback  # noqa: E402
from jazzsolo.web.limits import Limits  # noqa: E402
from jazzsolo.web.store import Take, TakeStore  # noqa: E402

BASE = "http://127.0.0.1"


class FakeRunner:
    """Writes small stand-in files instead of generating; records every take it was asked for.

    With ``block`` set, each call signals ``started`` and waits until ``release`` is set.
    """

    def __init__(self, size: int = 100, block: bool = False, error: Exception | None = None):
        self.size, self.block, self.error = size, block, error
        self.calls: list = []
        self.started = threading.Semaphore(0)
        self.release = threading.Event()

    def __call__(self, spec, folder: Path) -> list[dict[str, Path]]:
        self.calls.append(spec)
        if self.block:
            self.started.release()
            assert self.release.wait(timeout=60), "the test never released the job"
        if self.error is not None:
            (folder / "partial.mid").write_bytes(b"x")
            raise self.error
        outputs = []
        for k in range(spec.request.n_outputs):
            files = {}
            for kind in ("mid", "wav", "png"):
                path = folder / f"solo-{k + 1}.{kind}"
                path.write_bytes(kind.encode() * (self.size // 3))
                files[kind] = path
            outputs.append(files)
        return outputs


def client_for(runner=None, **config) -> TestClient:
    return TestClient(create_app(ServerConfig(**config), runner=runner), base_url=BASE)


@pytest.fixture()
def fake():
    return FakeRunner()


@pytest.fixture()
def api(fake):
    with client_for(fake) as client:
        yield client


# ---------------------------------------------------------------------------- the real thing


def test_a_real_take_gives_midi_audio_and_a_piano_roll():
    import symusic

    with client_for() as client:
        answer = client.post("/api/solos", json={"progression": "ii-v-i-major-C", "tempo": 160,
                                                 "seed": 3})
        assert answer.status_code == 201, answer.text
        take = answer.json()
        default = client.get("/api/models").json()[0]["name"]
        assert take["bars"] == 4 and take["seed"] == 3 and take["model"] == default
        assert take["music_seconds"] == pytest.approx(4 * 4 * 60 / 160, abs=0.01)
        files = take["outputs"][0]
        midi = client.get(files["mid"])
        assert midi.headers["content-type"] == "audio/midi"
        score = symusic.Score.from_midi(midi.content)
        assert {"Solo", "Chords", "Bass"} <= {t.name for t in score.tracks}
        assert max(len(t.notes) for t in score.tracks if t.name == "Solo") > 4
        wav = client.get(files["wav"])
        assert wav.headers["content-type"] == "audio/wav"
        assert wav.content[:4] == b"RIFF" and wav.content[8:12] == b"WAVE"
        png = client.get(files["png"])
        assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
        assert client.get(take["url"]).json() == take
        again = client.post("/api/solos", json={"progression": "ii-v-i-major-C", "tempo": 160,
                                                "seed": 3, "model": "default"}).json()
        assert again["model"] == default
        assert again["id"] != take["id"]
        assert client.get(again["outputs"][0]["mid"]).content == midi.content  # same seed


def test_page_static_files_and_generated_docs(api):
    page = api.get("/")
    assert page.status_code == 200 and 'id="improvise"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "http" not in page.text.split("<body>")[0]  # nothing loaded from elsewhere
    for name in ("app.js", "style.css"):
        assert api.get(f"/static/{name}").status_code == 200
    schema = api.get("/openapi.json").json()
    assert {"/api/solos", "/api/progressions", "/api/models", "/api/options"} <= set(
        schema["paths"])
    assert api.get("/docs").status_code == 200


def test_lists_progressions_models_and_limits(api):
    progressions = {p["name"]: p for p in api.get("/api/progressions").json()}
    assert progressions["blues-f"]["bars"] == 12 and "F7" in progressions["blues-f"]["text"]
    models = api.get("/api/models").json()
    assert models[0]["default"] is True and all("/" not in m["name"] for m in models)
    options = api.get("/api/options").json()
    assert options["limits"]["max_choruses"] == Limits().max_choruses
    assert options["server"]["workers"] == ServerConfig().workers
    assert options["features"]["bass"] is True


# ---------------------------------------------------------------------------- every limit

LONG = "C | " * 600
LIMITS = [
    ({"chords": LONG}, "chords", "characters"),
    ({"chords": "C | " * 70}, "chords", "more than 64 bars"),
    ({"chords": "[ C ] x99999999"}, "chords", "more than 64 bars"),
    ({"chords": "[[[ C | D ] x999 ] x999 ] x999"}, "chords", "more than 64 bars"),
    ({"chords": ""}, "chords", "write some chords"),
    ({"chords": "   "}, "chords", "write some chords"),
    ({"chords": ["C"]}, "chords", "string"),
    ({"chords": "Dm7 | Cmjx7"}, "chords", "unknown chord symbol 'Cmjx7' in bar 2"),
    ({"progression": "blues-f", "choruses": 9}, "choruses", "from 1 to 8"),
    ({"progression": "blues-f", "choruses": 0}, "choruses", "from 1 to 8"),
    ({"progression": "blues-f", "choruses": 6}, "choruses", "at most 64"),
    ({"chords": "C | " * 60, "tempo": 40}, "tempo", "at most 180 s"),
    ({"chords": "C", "tempo": 1000}, "tempo", "40 to 320"),
    ({"chords": "C", "tempo": 10}, "tempo", "40 to 320"),
    ({"chords": "C", "tempo": "fast"}, "tempo", "number"),
    ({"chords": "C", "temperature": 0}, "temperature", "0.05 to 2"),
    ({"chords": "C", "temperature": 5}, "temperature", "0.05 to 2"),
    ({"chords": "C", "top_p": 0}, "top_p", "above 0"),
    ({"chords": "C", "top_p": 1.5}, "top_p", "at most 1"),
    ({"chords": "C", "top_k": 0}, "top_k", "from 1"),
    ({"chords": "C", "top_k": 5000}, "top_k", "1000"),
    ({"chords": "C", "n_outputs": 5}, "n_outputs", "from 1 to 4"),
    ({"chords": "C", "n_outputs": 0}, "n_outputs", "from 1 to 4"),
    ({"chords": "C", "seed": -1}, "seed", "from 0"),
    ({"chords": "C", "seed": 2**40}, "seed", "from 0"),
    ({"chords": "C", "beats_per_bar": 0}, "beats_per_bar", "from 1 to 12"),
    ({"chords": "C", "beats_per_bar": 13}, "beats_per_bar", "from 1 to 12"),
    ({"progression": "blues-f", "beats_per_bar": 3}, "beats_per_bar", "own meter"),
    ({"chords": "C", "model": "../../etc"}, "model", "unknown value"),
    ({"chords": "C", "model": "/tmp/mymodel"}, "model", "unknown value"),
    ({"progression": "nope"}, "progression", "unknown progression"),
    ({"progression": "blues-f", "chords": "C"}, "progression", "not both"),
    ({"chords": "C", "sampling": "beam"}, "sampling", "unknown value"),
    ({"chords": "C", "style": "polka"}, "style", ""),  # the words: see the test below
    ({"chords": "C", "instrument": "kazoo"}, "instrument", ""),
    ({"chords": "C", "swing": 5.0}, "swing", ""),
    ({"chords": "C", "bass": "maybe"}, "bass", "boolean"),
    ({"chords": "C", "path": "/etc/passwd"}, "path", "not permitted"),
]


@pytest.mark.parametrize(("payload", "field", "words"), LIMITS,
                         ids=[f"{f}-{i}" for i, (_, f, _w) in enumerate(LIMITS)])
def test_every_limit_is_a_422_naming_the_field(api, fake, payload, field, words):
    answer = api.post("/api/solos", json=payload)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["field"] == field
    assert body["detail"].startswith(f"{field}: ") and words in body["detail"], body
    assert fake.calls == []  # refused before any work was queued


def test_band_options_are_those_the_library_offers(api, fake):
    features = api.get("/api/options").json()["features"]
    offered = {"style": features["styles"], "instrument": features["instruments"]}
    for field, values in offered.items():
        if values:
            take = api.post("/api/solos", json={"chords": "C", field: values[-1]})
            assert take.status_code == 201 and take.json()[field] == values[-1]
            words = "unknown value"
        else:
            words = "no choices"
        refused = api.post("/api/solos", json={"chords": "C", field: "polka"}).json()
        assert refused["field"] == field and words in refused["detail"]
    if features["swing"]:
        low, high = features["swing"]
        take = api.post("/api/solos", json={"chords": "C", "style": features["styles"][0],
                                            "swing": (low + high) / 2})
        assert take.status_code == 201 and take.json()["swing"] == (low + high) / 2
        assert f"{high:g}" in api.post("/api/solos", json={"chords": "C", "swing": high + 1}
                                       ).json()["detail"]
    else:
        assert "does not set" in api.post("/api/solos", json={"chords": "C", "swing": 0.5}
                                          ).json()["detail"]


def test_repeats_stop_at_max_bars_before_they_expand():
    from jazzsolo.chords import parse_progression
    from jazzsolo.errors import JazzsoloError

    assert len(parse_progression("[ C | F ] x3", max_bars=6)) == 6
    with pytest.raises(JazzsoloError, match="more than 6 bars"):
        parse_progression("[ C | F ] x4", max_bars=6)
    with pytest.raises(JazzsoloError, match="more than 64 bars"):
        parse_progression("[[[[ C ] x999 ] x999 ] x999 ] x999", max_bars=64)
    assert len(parse_progression("[ C ] x100")) == 100  # no limit by default


def test_a_server_keeps_the_limits_it_is_given(fake):
    limits = Limits(max_choruses=2, max_tempo=200.0, max_text_chars=10)
    with client_for(fake, limits=limits) as client:
        assert client.get("/api/options").json()["limits"]["max_choruses"] == 2
        assert client.post("/api/solos", json={"chords": "C", "choruses": 2}).status_code == 201
        for payload, field in (({"chords": "C", "choruses": 3}, "choruses"),
                               ({"chords": "C", "tempo": 201}, "tempo"),
                               ({"chords": "C | D | E | F"}, "chords")):
            answer = client.post("/api/solos", json=payload)
            assert answer.status_code == 422 and answer.json()["field"] == field
    assert len(fake.calls) == 1


def test_a_non_finite_number_is_a_422(api, fake):
    answer = api.post("/api/solos", content=b'{"chords": "C", "tempo": NaN}',
                      headers={"content-type": "application/json"})
    assert answer.status_code == 422 and answer.json()["field"] == "tempo", answer.text
    assert fake.calls == []


@pytest.mark.parametrize(("content", "headers", "status"), [
    (b'{"chords": "C"', {"content-type": "application/json"}, 422),
    (b'["C"]', {"content-type": "application/json"}, 422),
    (b'chords=C', {"content-type": "application/x-www-form-urlencoded"}, 415),
    (json.dumps({"chords": "C" * 20000}).encode(), {"content-type": "application/json"}, 413),
])
def test_bad_bodies_are_4xx_with_a_message(api, fake, content, headers, status):
    answer = api.post("/api/solos", content=content, headers=headers)
    assert answer.status_code == status, answer.text
    assert answer.json()["field"] == "body" and answer.json()["detail"].startswith("body: ")
    assert fake.calls == []


def test_only_loopback_host_names_are_answered(api):
    assert api.get("/api/options", headers={"host": "attacker.example"}).status_code == 400
    assert api.get("/api/options", headers={"host": "localhost:8000"}).status_code == 200
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2")


def test_files_are_only_the_takes_own(api):
    take = api.post("/api/solos", json={"chords": "C"}).json()
    assert api.get(take["outputs"][0]["wav"]).content.startswith(b"wav")
    base = take["url"]
    for url in (f"{base}/model.json", f"{base}/..%2F..%2Fetc%2Fpasswd", f"{base}/solo-2.mid",
                "/api/solos/0123456789abcdef/solo-1.mid", "/api/solos/nothing"):
        answer = api.get(url)
        assert answer.status_code == 404 and answer.json()["detail"], url


def test_several_outputs_in_one_take(api, fake):
    take = api.post("/api/solos", json={"chords": "C | G7", "n_outputs": 3}).json()
    assert [sorted(o) for o in take["outputs"]] == [["mid", "png", "wav"]] * 3
    assert len({o["mid"] for o in take["outputs"]}) == 3
    assert fake.calls[0].request.n_outputs == 3 and fake.calls[0].bars == 2


@pytest.mark.parametrize(("error", "field", "detail"), [
    ("plain", None, "the model produced nothing"),
    ("sampling.temperature", "temperature", "temperature must be > 0"),
    ("chords", "chords", "chords: no bar"),
])
def test_a_library_error_is_a_422_and_leaves_no_files(error, field, detail):
    from jazzsolo.errors import JazzsoloError, RequestError

    exc = (JazzsoloError("the model produced nothing") if error == "plain"
           else RequestError(error, detail.removeprefix("chords: ")))
    app = create_app(ServerConfig(), runner=FakeRunner(error=exc))
    with TestClient(app, base_url=BASE) as client:
        answer = client.post("/api/solos", json={"chords": "C"})
        assert answer.status_code == 422
        assert answer.json() == {"detail": detail, "field": field}
        assert list(app.state.store.root.iterdir()) == []


def test_the_library_gets_a_bundled_name_never_a_path_from_the_request(api, fake):
    from jazzsolo.models import BUNDLED

    models = [m["name"] for m in api.get("/api/models").json()]
    for name in models:
        assert api.post("/api/solos", json={"chords": "C", "model": name}).status_code == 201
    assert api.post("/api/solos", json={"chords": "C", "model": "default"}).status_code == 201
    assert [spec.request.model for spec in fake.calls] == models + [models[0]]
    assert set(models) == set(BUNDLED)


def test_a_take_says_the_pitch_temperature_the_jazz_model_used(api, fake):
    """The page always sends a temperature; at the default (1.0, nothing else asked) the jazz
    model plays its tuned pitch sampling, and the take says what it was (temperature, chord
    weight) rather than 'T 1.0' alone."""
    from jazzsolo.generate_jazz import (
        DEFAULT_CHORD_WEIGHT,
        DEFAULT_PITCH_TEMPERATURE,
        request_sampling,
    )
    from jazzsolo.models import DEFAULT_MODEL

    plain = api.post("/api/solos", json={"chords": "C", "temperature": 1.0}).json()
    assert plain["model"] == DEFAULT_MODEL and plain["temperature"] == 1.0
    assert plain["pitch_temperature"] == DEFAULT_PITCH_TEMPERATURE
    assert plain["chord_weight"] == DEFAULT_CHORD_WEIGHT > 0
    assert request_sampling(fake.calls[0].request).pitch.temperature == DEFAULT_PITCH_TEMPERATURE
    hot = api.post("/api/solos", json={"chords": "C", "temperature": 1.3}).json()
    assert hot["pitch_temperature"] == hot["temperature"] == 1.3
    classic = api.post("/api/solos", json={"chords": "C", "model": "classic"}).json()
    assert "pitch_temperature" not in classic and classic["temperature"] == 1.0


def test_a_take_may_ask_the_jazz_model_for_grace_notes(api, fake):
    """``ornaments`` opens the jazz model's position mask to grace notes (and the take says
    so); the classic model has no mask, and anything but true or false is a 422 naming it."""
    from jazzsolo.models import DEFAULT_MODEL

    listed = {m["name"]: m["ornaments"] for m in api.get("/api/models").json()}
    assert listed[DEFAULT_MODEL] is True and listed["classic"] is False
    take = api.post("/api/solos", json={"chords": "C", "ornaments": True})
    assert take.status_code == 201 and take.json()["ornaments"] is True
    assert fake.calls[-1].request.ornaments is True
    assert api.post("/api/solos", json={"chords": "C"}).json()["ornaments"] is False
    for body, words in (({"ornaments": True, "model": "classic"}, "no position mask"),
                        ({"ornaments": "maybe"}, "boolean")):
        answer = api.post("/api/solos", json={"chords": "C", **body})
        assert answer.status_code == 422 and answer.json()["field"] == "ornaments", answer.json()
        assert words in answer.json()["detail"], answer.json()


def test_a_take_plays_as_one_of_the_models_players(api, fake):
    """The jazz model lists the players it knows; a take may name one (and says so); a player
    it does not know, or any player for the classic model, is a 422 naming the field."""
    from jazzsolo.models import DEFAULT_MODEL

    listed = {m["name"]: m["players"] for m in api.get("/api/models").json()}
    players = listed[DEFAULT_MODEL]
    assert len(players) >= 20 and listed["classic"] == []
    take = api.post("/api/solos", json={"chords": "C", "player": players[0]})
    assert take.status_code == 201 and take.json()["player"] == players[0]
    assert fake.calls[-1].request.player == players[0]
    assert api.post("/api/solos", json={"chords": "C"}).json()["player"] is None
    import re

    loose = re.sub(r"([a-z])([A-Z])", r"\1 \2", players[0]).lower()  # "art pepper"
    assert api.post("/api/solos", json={"chords": "C", "player": loose}).json()[
        "player"] == players[0], "matched as generate --player matches"
    for body, words in (({"player": "Nobody"}, "unknown value 'Nobody'"),
                        ({"player": players[0], "model": "classic"}, "any player only"),
                        ({"player": 7}, "string")):
        answer = api.post("/api/solos", json={"chords": "C", **body})
        assert answer.status_code == 422 and answer.json()["field"] == "player", answer.json()
        assert words in answer.json()["detail"]
    assert len(fake.calls) == 3


# ---------------------------------------------------------------------------- queue full: 503


def test_a_full_queue_answers_503_and_recovers():
    runner = FakeRunner(block=True)
    app = create_app(ServerConfig(workers=1, queue=1), runner=runner)
    pool = app.state.pool
    answers: list = []
    with TestClient(app, base_url=BASE) as client:
        def post() -> None:
            answers.append(client.post("/api/solos", json={"chords": "C"}))

        first = threading.Thread(target=post)
        first.start()
        assert runner.started.acquire(timeout=30)  # the one worker is busy
        second = threading.Thread(target=post)
        second.start()
        assert pool.wait_for_load(2, timeout=30)  # and the one queue place is taken
        busy = client.post("/api/solos", json={"chords": "C"})
        assert busy.status_code == 503
        assert "busy" in busy.json()["detail"] and busy.headers["retry-after"]
        runner.release.set()
        first.join(timeout=30)
        second.join(timeout=30)
        assert [a.status_code for a in answers] == [201, 201]
        assert pool.wait_for_load(0, timeout=30)
        assert client.post("/api/solos", json={"chords": "C"}).status_code == 201
    assert len(runner.calls) == 3


# ---------------------------------------------------------------------------- the take store


def test_takes_live_in_a_private_folder_removed_at_shutdown(fake):
    app = create_app(ServerConfig(), runner=fake)
    root = app.state.store.root
    with TestClient(app, base_url=BASE) as client:
        take = client.post("/api/solos", json={"chords": "C"}).json()
        assert stat.S_IMODE(root.stat().st_mode) == 0o700
        folder = root / take["id"]
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert len(take["id"]) == 32 and int(take["id"], 16) >= 0
    assert not root.exists()


def test_old_takes_go_by_count(fake):
    app = create_app(ServerConfig(max_takes=2), runner=fake)
    with TestClient(app, base_url=BASE) as client:
        ids = [client.post("/api/solos", json={"chords": "C"}).json()["id"] for _ in range(3)]
        assert client.get(f"/api/solos/{ids[0]}").status_code == 404
        assert not (app.state.store.root / ids[0]).exists()
        assert [client.get(f"/api/solos/{i}").status_code for i in ids[1:]] == [200, 200]


def _store_take(store: TakeStore, size: int) -> str:
    take_id, folder = store.new_folder()
    path = folder / "solo-1.mid"
    path.write_bytes(b"m" * size)
    store.add(Take(take_id, folder, {path.name: path}, {}))
    return take_id


def test_old_takes_go_by_age_and_size(tmp_path):
    now = [1000.0]
    store = TakeStore(max_takes=10, max_age_s=60, max_bytes=2500, root=tmp_path,
                      clock=lambda: now[0])
    first = _store_take(store, 1000)
    now[0] += 30
    second = _store_take(store, 1000)
    assert store.get(first) and store.get(second)
    now[0] += 31  # the first is 61 s old
    assert store.get(first) is None and store.get(second) is not None
    third, fourth = _store_take(store, 1000), _store_take(store, 1000)
    assert store.get(second) is None and store.get(third) and store.get(fourth)  # 3000 > 2500
    huge = _store_take(store, 5000)  # the newest stays even when alone over the limit
    assert len(store) == 1 and store.get(huge)
    store.close()
    assert not store.root.exists()


# ---------------------------------------------------------------------------- the command


def test_serve_without_the_web_extra_says_how_to_install_it(monkeypatch, capsys):
    import sys

    monkeypatch.setitem(sys.modules, "fastapi", None)  # as if fastapi were not installed
    monkeypatch.delitem(sys.modules, "jazzsolo.web.app", raising=False)
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "pip install 'jazzsolo[web]'" in err


def test_serve_on_a_busy_port_is_a_one_line_error(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and f"127.0.0.1:{port}" in err


def test_the_serve_command_answers_on_loopback_and_cleans_up(tmp_path):
    import os
    import re
    import subprocess
    import sys
    import urllib.request

    env = dict(os.environ, TMPDIR=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "-m", "jazzsolo.cli", "serve", "--port", "0"],
                            stdout=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        with urllib.request.urlopen(url + "api/options", timeout=60) as answer:
            assert json.load(answer)["server"]["workers"] == 2
        folders = list(tmp_path.glob("jazzsolo-web-*"))
        assert len(folders) == 1 and stat.S_IMODE(folders[0].stat().st_mode) == 0o700
    finally:
        proc.terminate()
        # uvicorn shuts down gracefully, then re-raises SIGTERM, so the status says SIGTERM.
        assert proc.wait(timeout=60) in (0, -15)
    assert list(tmp_path.glob("jazzsolo-web-*")) == []  # removed by the graceful shutdown
