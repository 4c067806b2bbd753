// jazzsolo page: reads what the server offers, sends one request per take, shows the result.
// Plain JavaScript, no build step, nothing loaded from elsewhere.
"use strict";

const $ = (id) => document.getElementById(id);
const state = {
  progressions: {}, models: {}, players: {}, ornaments: {}, takes: [], busy: false, swingSet: false,
};

async function getJSON(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

function option(select, value, text) {
  const item = document.createElement("option");
  item.value = value;
  item.textContent = text;
  select.append(item);
}

function setLimits(limits, defaults) {
  $("chords").maxLength = limits.max_text_chars;
  $("tempo").min = limits.min_tempo;
  $("tempo").max = limits.max_tempo;
  $("tempo").value = defaults.tempo;
  $("choruses").max = limits.max_choruses;
  $("beats_per_bar").max = limits.max_beats_per_bar;
  $("temperature").min = limits.min_temperature;
  $("temperature").max = limits.max_temperature;
  $("temperature").value = defaults.temperature;
  $("temperature-value").textContent = Number(defaults.temperature).toFixed(2);
}

function showFeatures(features) {
  // The band controls, filled from what the server offers.
  const lists = { style: features.styles, instrument: features.instruments };
  for (const [name, values] of Object.entries(lists)) {
    if (!values || values.length === 0) continue;
    for (const value of values) option($(name), value, value);
    $(`row-${name}`).hidden = false;
  }
  if (features.styles && features.styles.length) option($("style"), "", "none (chords only)");
  if (features.instruments && features.instruments.includes("tenor")) {
    $("instrument").value = "tenor";
  }
  if (features.swing) {
    const [low, high] = features.swing;
    Object.assign($("swing"), { min: low, max: high, value: (low + high) / 2 });
    $("row-swing").hidden = false;
  }
  $("row-bass").hidden = !features.bass;
  bandChanged();
}

function bandChanged() {
  // Swing and soloist belong to a band style; the swing is the style's own until moved.
  const band = !$("row-style").hidden && $("style").value !== "";
  $("swing").disabled = !band;
  $("instrument").disabled = !band;
  $("bass").disabled = band; // a band style brings its own bass
  $("swing-value").textContent = state.swingSet ? Number($("swing").value).toFixed(2)
    : "(the style's own)";
}

async function init() {
  try {
    const [options, progressions, models] = await Promise.all([
      getJSON("/api/options"), getJSON("/api/progressions"), getJSON("/api/models"),
    ]);
    for (const p of progressions) {
      state.progressions[p.name] = p;
      option($("progression"), p.name, `${p.name} (${p.bars} bars)`);
    }
    for (const m of models) {
      option($("model"), m.name, m.name);
      state.models[m.name] = m.description;
      state.players[m.name] = m.players || [];
      state.ornaments[m.name] = Boolean(m.ornaments);
    }
    describeModel();
    setLimits(options.limits, options.defaults);
    showFeatures(options.features);
    setStatus("");
  } catch (error) {
    setStatus(`The server did not answer: ${error.message}`, true);
  }
}

function setStatus(text, bad = false) {
  $("status").textContent = text;
  $("status").classList.toggle("bad", bad);
}

function clearErrors() {
  for (const item of document.querySelectorAll(".field-error")) {
    item.hidden = true;
    item.textContent = "";
  }
  for (const item of document.querySelectorAll("[aria-invalid]")) {
    item.removeAttribute("aria-invalid");
  }
}

function showError(field, message) {
  const box = field && $(`err-${field}`);
  if (!box) {
    setStatus(message, true);
    return;
  }
  box.textContent = message;
  box.hidden = false;
  $(field)?.setAttribute("aria-invalid", "true");
  setStatus("");
}

function request() {
  const body = {
    chords: $("chords").value,
    beats_per_bar: Number($("beats_per_bar").value),
    model: $("model").value || null,
    tempo: Number($("tempo").value),
    choruses: Number($("choruses").value),
    temperature: Number($("temperature").value),
  };
  if (!$("row-player").hidden && $("player").value) body.player = $("player").value;
  if (!$("row-ornaments").hidden && $("ornaments").checked) body.ornaments = true;
  if (!$("row-bass").hidden && !$("bass").disabled) body.bass = $("bass").checked;
  if (!$("row-style").hidden && $("style").value) {
    body.style = $("style").value;
    if (!$("row-instrument").hidden) body.instrument = $("instrument").value;
    if (!$("row-swing").hidden && state.swingSet) body.swing = Number($("swing").value);
  }
  return body;
}

async function improvise() {
  if (state.busy) return;
  state.busy = true;
  $("improvise").disabled = true;
  clearErrors();
  setStatus("Improvising…");
  const started = performance.now();
  try {
    const response = await fetch("/api/solos", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(request()),
    });
    const answer = await response.json().catch(() => ({}));
    if (response.status === 201) {
      addTake(answer);
      setStatus(`Ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    } else if (response.status === 503) {
      setStatus(answer.detail || "The server is busy; try again in a moment.", true);
    } else {
      showError(answer.field, answer.detail || `HTTP ${response.status}`);
    }
  } catch (error) {
    setStatus(`No answer from the server: ${error.message}`, true);
  } finally {
    state.busy = false;
    $("improvise").disabled = false;
  }
}

function takeLabel(take) {
  const changes = take.progression || take.chords.replace(/\s+/g, " ").slice(0, 40);
  const band = take.style ? ` · ${take.style}, ${take.instrument}` : "";
  const pitch = take.pitch_temperature;
  const lean = take.chord_weight ? `, chord tones +${take.chord_weight}` : "";
  const heat = pitch == null || pitch === take.temperature ? `T ${take.temperature}${lean}`
    : `T ${take.temperature} (pitch ${pitch}${lean})`;
  const who = take.player ? ` · as ${spaced(take.player)}` : "";
  const grace = take.ornaments ? " · grace notes" : "";
  return `${changes} · ${take.tempo} bpm · ${take.choruses}× · ${heat}${who}${grace}${band}` +
    ` · seed ${take.seed}`;
}

function show(take) {
  const files = take.outputs[0];
  $("result").hidden = false;
  $("take-title").textContent = `Take ${take.number}`;
  $("roll").src = files.png;
  $("audio").src = files.wav;
  $("audio").load();
  const stem = `jazzsolo-take${take.number}`;
  for (const [id, kind] of [["midi", "mid"], ["wav", "wav"], ["png", "png"]]) {
    $(`download-${id}`).href = files[kind];
    $(`download-${id}`).download = `${stem}.${kind}`;
  }
  $("take-details").textContent =
    `${take.bars * take.choruses} bars, ${take.music_seconds} s of music, ` +
    `made in ${take.compute_seconds} s · ${takeLabel(take)}`;
  for (const item of document.querySelectorAll("#takes li")) {
    item.classList.toggle("current", item.dataset.id === take.id);
  }
}

function addTake(take) {
  take.number = state.takes.length + 1;
  state.takes.push(take);
  const item = document.createElement("li");
  item.dataset.id = take.id;
  const play = document.createElement("button");
  play.type = "button";
  play.textContent = `Take ${take.number}`;
  play.addEventListener("click", () => {
    show(take);
    $("audio").play().catch(() => setStatus("This take has expired on the server.", true));
  });
  const label = document.createElement("span");
  label.textContent = takeLabel(take);
  const midi = document.createElement("a");
  midi.href = take.outputs[0].mid;
  midi.download = `jazzsolo-take${take.number}.mid`;
  midi.textContent = "MIDI";
  item.append(play, label, midi);
  $("takes").prepend(item);
  $("history").hidden = false;
  show(take);
}

function spaced(name) {
  // WJazzD writes names run together (MilesDavis): show them as people write them.
  return name.replace(/([a-z])([A-Z])/g, "$1 $2");
}

function describeModel() {
  $("model-about").textContent = state.models[$("model").value] || "";
  // The players this model knows by name (a classic model knows none: the row hides).
  const players = state.players[$("model").value] || [];
  const select = $("player");
  select.replaceChildren();
  option(select, "", "any player");
  for (const name of players) option(select, name, spaced(name));
  $("row-player").hidden = players.length === 0;
  // Grace notes: the jazz model's position mask can let them through (a classic model has none).
  $("row-ornaments").hidden = !state.ornaments[$("model").value];
}

function pickProgression() {
  const chosen = state.progressions[$("progression").value];
  if (!chosen) return;
  $("chords").value = chosen.text;
  $("beats_per_bar").value = chosen.beats_per_bar;
  clearErrors();
}

document.addEventListener("DOMContentLoaded", () => {
  $("improvise").addEventListener("click", improvise);
  $("progression").addEventListener("change", pickProgression);
  $("model").addEventListener("change", describeModel);
  $("chords").addEventListener("input", () => { $("progression").value = ""; });
  $("temperature").addEventListener("input", () => {
    $("temperature-value").textContent = Number($("temperature").value).toFixed(2);
  });
  $("style").addEventListener("change", bandChanged);
  $("swing").addEventListener("input", () => {
    state.swingSet = true;
    bandChanged();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      improvise();
    }
  });
  init();
});
