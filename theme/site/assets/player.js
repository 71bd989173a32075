/* The routine player: "Start the routine" on a routine page opens a full-screen player that shows
   one stretch at a time, in routine order (figure, dose, steps in large type, helper cues), and
   runs the timer engine (timer-engine.js) through every stretch: get into position, hold or
   repeat, switch sides, rest, next set, next stretch. Its cues (cues.js) speak, sound, vibrate,
   colour the whole screen and keep it awake while it runs.
   Its data is the JSON element named by <div data-player="ID">, written by the build; without
   this script that box stays empty and hidden, and the page is the list it always was. */
(function () {
  "use strict";

  var T = window.SGTimer;
  var C = window.SGCues;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function button(className, text) {
    var node = el("button", className, text);
    node.type = "button";
    return node;
  }

  function list(tag, className, items) {
    var node = el(tag, className);
    items.forEach(function (item) { node.appendChild(el("li", "", item)); });
    return node;
  }

  /* Every phase of the routine: for each stretch, time to get into position, then its dose. */
  function routinePhases(data) {
    var words = data.words;
    var phases = [];
    data.stretches.forEach(function (stretch, i) {
      var extra = { stretch: i };
      phases.push({ type: "ready", seconds: data.transition, label: words.ready,
                    say: T.fill(i === 0 ? words.first : words.next, { title: stretch.title }),
                    side: "", set: 1, sets: 1, min: 0, reps: 0, minReps: 0, tempo: 0, stretch: i });
      phases = phases.concat(T.dosePhases(stretch.dose, words, data["switch"], extra));
    });
    return phases;
  }

  function build(slot, data) {
    var words = data.words;
    var total = data.stretches.length;
    var opener = button("sg-player-start__button", words.start_routine);
    slot.appendChild(opener);

    var dialog = el("dialog", "sg-player");
    dialog.setAttribute("aria-label", words.player + ": " + data.title);
    dialog.lang = data.lang;

    var top = el("div", "sg-player__top");
    var progress = el("p", "sg-player__progress");
    var mute = C.muteButton("sg-player__mute", words.mute);
    var close = button("sg-player__close", words.close);
    top.appendChild(progress);
    top.appendChild(mute);
    top.appendChild(close);

    var band = el("div", "sg-player__band");
    var phaseLine = el("p", "sg-player__phase");
    var detail = el("p", "sg-player__detail");
    var time = el("p", "sg-player__time");
    time.setAttribute("role", "timer");
    time.setAttribute("aria-live", "off");
    var meter = el("div", "sg-meter sg-meter--player");
    meter.setAttribute("aria-hidden", "true");
    var bar = el("span", "sg-meter__fill");
    var mark = el("span", "sg-meter__min");
    meter.appendChild(bar);
    meter.appendChild(mark);
    var status = el("p", "sg-player__status");
    [phaseLine, detail, time, meter, status].forEach(function (n) { band.appendChild(n); });

    var body = el("div", "md-typeset sg-player__body");
    body.tabIndex = -1;

    var controls = el("div", "sg-player__controls");
    var back = button("sg-player__back", words.back);
    var toggle = button("sg-player__toggle", words.start);
    var skip = button("sg-player__skip", words.skip);
    [back, toggle, skip].forEach(function (b) { controls.appendChild(b); });

    var live = el("p", "sg-visually-hidden sg-player__live");
    live.setAttribute("role", "status");
    live.setAttribute("aria-live", "polite");
    var keys = el("p", "sg-visually-hidden", words.keys);
    keys.id = "sg-player-keys";
    dialog.setAttribute("aria-describedby", keys.id);

    [top, band, body, controls, keys, live].forEach(function (n) { dialog.appendChild(n); });
    document.body.appendChild(dialog);

    var shown = -1;
    function showStretch(index) {
      if (index === shown) return;
      shown = index;
      var stretch = data.stretches[index];
      body.textContent = "";
      var heading = el("h2", "sg-player__title", stretch.title);
      body.appendChild(heading);
      var dose = el("p", "sg-dose sg-player__dose");
      dose.appendChild(el("strong", "sg-dose__label", words.dose));
      dose.appendChild(document.createTextNode(" " + stretch.dose_line));
      body.appendChild(dose);
      if (stretch.figure) {
        var figure = el("figure", "sg-figure sg-player__figure");
        // The figure's markup is the build's own drawing, the same SVG the stretch page shows.
        figure.innerHTML = stretch.figure;
        body.appendChild(figure);
      }
      if (stretch.note) body.appendChild(el("p", "sg-player__note", stretch.note));
      body.appendChild(el("h3", "sg-player__subtitle", words.steps));
      body.appendChild(list("ol", "sg-player__steps", stretch.steps));
      body.appendChild(el("h3", "sg-player__subtitle", words.helper));
      body.appendChild(list("ul", "sg-player__helper", stretch.helper));
      var link = el("a", "sg-player__link", words.open_page);
      link.href = stretch.url;
      body.appendChild(link);
      body.scrollTop = 0;
    }

    function showEnd() {
      shown = -1;
      body.textContent = "";
      body.appendChild(el("h2", "sg-player__title", data.title));
      body.appendChild(el("p", "sg-player__note", words.finished_note));
    }

    function describe(p) {
      var parts = [];
      if (p.type === "ready") {
        parts.push(T.fill(p.stretch === 0 ? words.first : words.next, { title: data.stretches[p.stretch].title }));
      } else {
        // A rest or a switch says what comes after it: the other side, the next set.
        var q = (p.type === "rest" || p.type === "switch") && engine ? phases[engine.index + 1] || p : p;
        if (q.side) parts.push(words[q.side]);
        if (q.sets > 1) parts.push(T.fill(words.set, { n: q.set, sets: q.sets }));
      }
      return parts.join(" · ");
    }

    var phases = routinePhases(data);
    var engine = new T.Engine(phases, {
      phase: function (p, index, how) {
        dialog.setAttribute("data-phase", p.type);
        // A flash of the whole screen on every change, readable from across the room.
        dialog.classList.remove("sg-player--flash");
        void dialog.offsetWidth;
        dialog.classList.add("sg-player--flash");
        showStretch(p.stretch);
        C.cue(p.type, p.say, live, data.lang, how !== "start");
      },
      rep: function (n) {
        C.cue("rep", String(n), live, data.lang, false);
      },
      minimum: function () {
        C.cue("minimum", "", live, data.lang, false);
      },
      run: function (running) {
        C.keepAwake(running);
      },
      done: function () {
        dialog.setAttribute("data-phase", "done");
        showEnd();
        C.cue("done", words.finished, live, data.lang, true);
      },
      tick: render
    });

    function minutesLeft(ms) {
      if (ms < 60000) return words.under_a_minute;
      return T.fill(words.minutes_left, { minutes: Math.round(ms / 60000) });
    }

    function render() {
      var p = engine.current();
      var finished = engine.finished;
      var paused = engine.started && !engine.running && !finished;
      status.textContent = paused ? words.paused : engine.minimumReached() ? words.minimum_reached : "";
      if (finished) {
        progress.textContent = words.done;
        phaseLine.textContent = words.finished;
        detail.textContent = "";
        time.textContent = "";
      } else {
        progress.textContent = T.fill(words.progress, { n: p.stretch + 1, total: total }) + " · " +
          minutesLeft(engine.totalLeft());
        phaseLine.textContent = p.label;
        detail.textContent = describe(p);
        time.textContent = p.type === "reps"
          ? T.fill(words.rep_of, { n: engine.started ? engine.rep() : 0, total: p.reps })
          : T.clock(engine.left());
      }
      var share = finished ? 1 : 1 - engine.left() / (p.seconds * 1000);
      bar.style.width = (engine.started ? share * 100 : 0).toFixed(1) + "%";
      mark.hidden = !(p.min > 0) || finished;
      if (p.min > 0) mark.style.left = (p.min / p.seconds * 100).toFixed(1) + "%";
      dialog.classList.toggle("sg-player--minimum", engine.minimumReached());
      dialog.classList.toggle("sg-player--paused", engine.started && !engine.running && !finished);
      toggle.textContent = engine.running ? words.pause : finished ? words.again
        : engine.started ? words.resume : words.start;
      back.disabled = !engine.started || (engine.index === 0 && !finished && engine.elapsed < 1000);
      skip.disabled = !engine.started || finished;
    }

    function run() {
      C.unlock();
      if (engine.running) {
        engine.pause();
        C.cue("", words.paused, live, data.lang, true);
      } else {
        engine.start();
      }
    }

    opener.addEventListener("click", function () {
      C.unlock();
      if (!dialog.open) dialog.showModal();
      if (!engine.started || engine.finished) {
        engine.reset();
        showStretch(0);
        dialog.setAttribute("data-phase", "ready");
        engine.start();
      }
      render();
      toggle.focus();
    });
    toggle.addEventListener("click", run);
    back.addEventListener("click", function () { engine.back(); });
    skip.addEventListener("click", function () { engine.skip(); });
    close.addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () {
      engine.pause();
      C.keepAwake(false);
      if (window.speechSynthesis) window.speechSynthesis.cancel();
      opener.textContent = engine.started && !engine.finished ? words.resume_routine : words.start_routine;
      opener.focus();
    });
    dialog.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      var onControl = event.target instanceof HTMLButtonElement || event.target instanceof HTMLAnchorElement;
      if (event.key === " " && !onControl) {
        run();
      } else if (event.key === "ArrowLeft" && !back.disabled) {
        engine.back();
      } else if (event.key === "ArrowRight" && !skip.disabled) {
        engine.skip();
      } else if (event.key === "m" || event.key === "M") {
        mute.click();
      } else {
        return;
      }
      event.preventDefault();
    });
    render();
  }

  function init() {
    var slots = document.querySelectorAll("[data-player]");
    for (var i = 0; i < slots.length; i++) {
      var slot = slots[i];
      var source = document.getElementById(slot.getAttribute("data-player"));
      if (slot.hasAttribute("data-player-ready") || !source || !T || !C || !window.HTMLDialogElement) continue;
      slot.setAttribute("data-player-ready", "");
      build(slot, JSON.parse(source.textContent));
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
