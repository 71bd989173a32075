/* The timer of a stretch page: fills each empty <div data-timer="ID">, whose dose is in the JSON
   element ID. A hold counts down each side and set, counts the rests between them and marks the
   minimum hold; repetitions get a paced counter at the dose's tempo. It runs on from one bout to
   the next by itself, on the engine the routine player uses (timer-engine.js), with its cues
   (cues.js). The page reads fine without it; the dose line says the same in words. */
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

  function upgrade(root, data) {
    var words = data.words;
    var dose = data.dose;
    var phases = T.dosePhases(dose, words, data["switch"]);
    var reps = dose.kind === "reps";

    var heading = el("p", "sg-timer__heading", reps ? words.counter : words.timer);
    var phaseLine = el("p", "sg-timer__phase");
    var time = el("p", "sg-timer__time");
    time.setAttribute("role", "timer");
    time.setAttribute("aria-live", "off");
    var meter = el("div", "sg-meter");
    meter.setAttribute("aria-hidden", "true");
    var bar = el("span", "sg-meter__fill");
    var mark = el("span", "sg-meter__min");
    meter.appendChild(bar);
    meter.appendChild(mark);
    var status = el("p", "sg-timer__status");
    var live = el("p", "sg-visually-hidden sg-timer__live");
    live.setAttribute("role", "status");
    live.setAttribute("aria-live", "polite");
    var buttons = el("div", "sg-timer__buttons");
    var start = button("sg-timer__start", words.start);
    var skip = button("sg-timer__skip", words.skip);
    var reset = button("sg-timer__reset", words.reset);
    var mute = C.muteButton("sg-timer__mute", words.mute);
    [start, skip, reset, mute].forEach(function (b) { buttons.appendChild(b); });
    var minimum = reps
      ? (dose.reps.min < dose.reps.max ? T.fill(words.minimum_reps, { n: dose.reps.min }) : "")
      : (dose.hold.min < dose.hold.max ? T.fill(words.minimum_hold, { n: dose.hold.min }) : "");
    var note = el("p", "sg-timer__note", reps ? T.fill(words.every, { n: dose.tempo }) +
                  (minimum ? " · " + minimum : "") : minimum);
    [heading, phaseLine, time, meter, status, buttons, note, live].forEach(function (n) {
      if (n !== note || n.textContent) root.appendChild(n);
    });
    root.setAttribute("role", "group");
    root.setAttribute("aria-label", heading.textContent);

    function describe(p) {
      var parts = [p.label];
      if (p.side) parts.push(words[p.side]);
      if (p.sets > 1) parts.push(T.fill(words.set, { n: p.set, sets: p.sets }));
      return parts.join(" · ");
    }

    var engine = new T.Engine(phases, {
      phase: function (p, index, how) {
        root.setAttribute("data-phase", p.type);
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
        root.setAttribute("data-phase", "done");
        C.cue("done", words.done, live, data.lang, true);
      },
      tick: render
    });

    function render() {
      var p = engine.current();
      var finished = engine.finished;
      var paused = engine.started && !engine.running && !finished;
      status.textContent = paused ? words.paused : engine.minimumReached() ? words.minimum_reached : "";
      phaseLine.textContent = finished ? words.done : describe(p);
      if (p.type === "reps" && engine.started && !finished) {
        time.textContent = T.fill(words.rep_of, { n: engine.rep(), total: p.reps });
      } else if (p.type === "reps" && !engine.started) {
        time.textContent = T.fill(words.rep_of, { n: 0, total: p.reps });
      } else {
        time.textContent = T.clock(finished ? 0 : engine.left());
      }
      var share = finished ? 1 : 1 - engine.left() / (p.seconds * 1000);
      bar.style.width = (engine.started ? share * 100 : 0).toFixed(1) + "%";
      mark.hidden = !(p.min > 0) || finished;
      if (p.min > 0) mark.style.left = (p.min / p.seconds * 100).toFixed(1) + "%";
      root.classList.toggle("sg-timer--minimum", engine.minimumReached());
      start.textContent = engine.running ? words.pause : engine.started && !finished ? words.resume : words.start;
      skip.disabled = !engine.started || finished;
    }

    start.addEventListener("click", function () {
      C.unlock();
      if (engine.running) {
        engine.pause();
        C.cue("", words.paused, live, data.lang, true);
      } else {
        engine.start();
      }
    });
    skip.addEventListener("click", function () { engine.skip(); });
    reset.addEventListener("click", function () {
      engine.reset();
      C.keepAwake(false);
      root.removeAttribute("data-phase");
      render();
    });
    render();
  }

  function init() {
    var roots = document.querySelectorAll("[data-timer]");
    for (var i = 0; i < roots.length; i++) {
      var root = roots[i];
      var source = document.getElementById(root.getAttribute("data-timer"));
      if (root.hasAttribute("data-timer-ready") || !source || !T || !C) continue;
      root.setAttribute("data-timer-ready", "");
      upgrade(root, JSON.parse(source.textContent));
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
