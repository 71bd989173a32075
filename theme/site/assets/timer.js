/* Hold timer: turns each empty <div data-timer> into a countdown with Start, Pause and Reset.
   The page reads fine without it; the dose line above says the same in words.
   Why Date.now() and not counting ticks: background tabs throttle timers, the clock does not. */
(function () {
  "use strict";

  var TICK_MS = 200;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function clock(ms) {
    var total = Math.max(0, Math.ceil(ms / 1000));
    var minutes = Math.floor(total / 60);
    var seconds = total % 60;
    return minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
  }

  /* The bouts to time, in order: each set, and in each set each side. */
  function plan(sides, sets) {
    var bouts = [];
    for (var set = 1; set <= sets; set++) {
      if (sides === "each") {
        bouts.push({ side: "Left side", set: set });
        bouts.push({ side: "Right side", set: set });
      } else {
        bouts.push({ side: "", set: set });
      }
    }
    return bouts;
  }

  function upgrade(root) {
    var holdMin = parseInt(root.getAttribute("data-hold-min"), 10);
    var holdMax = parseInt(root.getAttribute("data-hold-max"), 10) || holdMin;
    var sets = parseInt(root.getAttribute("data-sets"), 10) || 1;
    var bouts = plan(root.getAttribute("data-sides"), sets);
    var holdMs = holdMax * 1000;

    var state = { bout: 0, left: holdMs, running: false, last: 0, timer: null, done: false };

    var heading = el("p", "sg-timer__heading", "Hold timer");
    var phase = el("p", "sg-timer__phase");
    var time = el("p", "sg-timer__time");
    time.setAttribute("role", "timer");
    time.setAttribute("aria-live", "off");
    var status = el("p", "sg-timer__status");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    var buttons = el("div", "sg-timer__buttons");
    var start = el("button", "sg-timer__start", "Start");
    start.type = "button";
    var reset = el("button", "sg-timer__reset", "Reset");
    reset.type = "button";
    buttons.appendChild(start);
    buttons.appendChild(reset);
    var note = el("p", "sg-timer__note",
      holdMin !== holdMax ? "Counts down " + holdMax + " s; stopping after " + holdMin + " s is fine too." : "");
    root.appendChild(heading);
    root.appendChild(phase);
    root.appendChild(time);
    root.appendChild(status);
    root.appendChild(buttons);
    if (note.textContent) root.appendChild(note);
    root.setAttribute("role", "group");
    root.setAttribute("aria-label", "Hold timer");

    function describe(bout) {
      var parts = [];
      if (bout.side) parts.push(bout.side);
      if (sets > 1) parts.push("set " + bout.set + " of " + sets);
      return parts.join(" · ");
    }

    function announce(text) {
      status.textContent = text;
    }

    function render() {
      var bout = bouts[state.bout];
      phase.textContent = state.done ? "Finished" : describe(bout);
      time.textContent = clock(state.left);
      start.textContent = state.running ? "Pause" : state.left < holdMs && !state.done ? "Resume" : "Start";
      start.setAttribute("aria-pressed", state.running ? "true" : "false");
    }

    function stop() {
      state.running = false;
      if (state.timer !== null) window.clearInterval(state.timer);
      state.timer = null;
    }

    function finishBout() {
      stop();
      var finished = bouts[state.bout];
      if (state.bout + 1 >= bouts.length) {
        state.left = 0;
        state.done = true;
        announce("Done");
        render();
        return;
      }
      state.bout += 1;
      state.left = holdMs;
      var next = bouts[state.bout];
      // Pause between bouts: the helper presses Start once the partner is in position.
      if (next.set !== finished.set) {
        announce("Rest, then start set " + next.set + " of " + sets);
      } else {
        announce("Switch sides: " + next.side.toLowerCase() + " next. Press Start when ready.");
      }
      render();
    }

    function tick() {
      var now = Date.now();
      state.left -= now - state.last;
      state.last = now;
      if (state.left <= 0) {
        finishBout();
      } else {
        render();
      }
    }

    start.addEventListener("click", function () {
      if (state.running) {
        stop();
        announce("Paused");
      } else {
        if (state.done) {
          state.bout = 0;
          state.left = holdMs;
          state.done = false;
        }
        state.running = true;
        state.last = Date.now();
        state.timer = window.setInterval(tick, TICK_MS);
        announce(describe(bouts[state.bout]) ? "Started: " + describe(bouts[state.bout]) : "Started");
      }
      render();
    });

    reset.addEventListener("click", function () {
      stop();
      state.bout = 0;
      state.left = holdMs;
      state.done = false;
      announce("Reset");
      render();
    });

    render();
  }

  function init() {
    var roots = document.querySelectorAll("[data-timer]");
    for (var i = 0; i < roots.length; i++) {
      if (!roots[i].hasAttribute("data-timer-ready")) {
        roots[i].setAttribute("data-timer-ready", "");
        upgrade(roots[i]);
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
