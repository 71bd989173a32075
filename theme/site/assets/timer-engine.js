/* The one timer engine of the guide: the hold timer of a stretch page and the routine player both
   run on it. A dose becomes a list of phases (hold, repetitions, switch sides, rest, get ready),
   and the engine runs through them by itself: pause, resume, back and skip move within that list.
   It knows nothing of the page; it reports through the hooks it is given.
   Why Date.now() and not counting ticks: background tabs throttle timers, the clock does not. */
(function (root) {
  "use strict";

  var TICK_MS = 200;
  /* Back within this many seconds of a phase's start goes to the phase before. */
  var BACK_RESTARTS_AFTER = 3;

  function fill(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
    });
  }

  /* The phases of one stretch's dose, in order: for each set, each side, with a rest or a
     switch between bouts. `dose` is {kind, hold, reps, sides, sets, rest, tempo}; `words` the
     cue texts; `switchSeconds` the time to change sides when the dose names no rest. */
  function dosePhases(dose, words, switchSeconds, extra) {
    var phases = [];
    var sides = dose.sides === "each" ? ["left", "right"] : [""];
    var sets = dose.sets || 1;
    var rest = dose.rest || 0;
    for (var set = 1; set <= sets; set++) {
      for (var s = 0; s < sides.length; s++) {
        var side = sides[s];
        var first = set === 1 && s === 0;
        if (!first) {
          if (s > 0) {
            phases.push(rest > 0
              ? phase("rest", rest, words.rest_switch, words.relax_switch, "", set, sets, dose, extra)
              : phase("switch", switchSeconds, words.switch, words.switch, "", set, sets, dose, extra));
          } else {
            phases.push(phase("rest", rest > 0 ? rest : switchSeconds, words.rest, words.relax, "",
                              set, sets, dose, extra));
          }
        }
        var work = dose.kind === "reps" ? "reps" : "hold";
        var say = [];
        if (side) say.push(words[side]);
        if (sets > 1 && s === 0) say.push(fill(words.set, { n: set, sets: sets }));
        say.push(work === "reps" ? words.begin : words.hold);
        phases.push(phase(work, 0, work === "reps" ? words.reps : words.hold, say.join(". "),
                          side, set, sets, dose, extra));
      }
    }
    return phases;
  }

  function phase(type, seconds, label, say, side, set, sets, dose, extra) {
    var p = { type: type, seconds: seconds, label: label, say: say, side: side, set: set, sets: sets,
              min: 0, reps: 0, minReps: 0, tempo: 0 };
    if (type === "hold") {
      p.seconds = dose.hold.max;
      p.min = dose.hold.min < dose.hold.max ? dose.hold.min : 0;
    } else if (type === "reps") {
      p.tempo = dose.tempo || 6;
      p.reps = dose.reps.max;
      p.minReps = dose.reps.min < dose.reps.max ? dose.reps.min : 0;
      p.seconds = p.reps * p.tempo;
      p.min = p.minReps * p.tempo;
    }
    for (var key in extra || {}) p[key] = extra[key];
    return p;
  }

  /* Run `phases`; hooks (all optional): phase(p, index, how), tick(engine), rep(n, p),
     minimum(p), run(running), done(). `how` is "start", "auto", "skip" or "back". */
  function Engine(phases, hooks, now) {
    this.phases = phases;
    this.hooks = hooks || {};
    this.now = now || function () { return Date.now(); };
    this.reset();
  }

  Engine.prototype.reset = function () {
    this.stopClock();
    this.index = 0;
    this.elapsed = 0;
    this.running = false;
    this.started = false;
    this.finished = false;
  };

  Engine.prototype.emit = function (name) {
    var hook = this.hooks[name];
    if (hook) hook.apply(null, Array.prototype.slice.call(arguments, 1));
  };

  Engine.prototype.current = function () {
    return this.phases[Math.min(this.index, this.phases.length - 1)];
  };

  /* Milliseconds left in the current phase. */
  Engine.prototype.left = function () {
    if (this.finished) return 0;
    return Math.max(0, this.current().seconds * 1000 - this.elapsed);
  };

  /* Milliseconds left in the whole run. */
  Engine.prototype.totalLeft = function () {
    if (this.finished) return 0;
    var total = this.left();
    for (var i = this.index + 1; i < this.phases.length; i++) total += this.phases[i].seconds * 1000;
    return total;
  };

  /* The repetition under way in a reps phase, from 1. */
  Engine.prototype.rep = function () {
    var p = this.current();
    if (p.type !== "reps" || this.finished) return 0;
    return Math.min(p.reps, Math.floor(this.elapsed / (p.tempo * 1000)) + 1);
  };

  Engine.prototype.minimumReached = function () {
    var p = this.current();
    return !this.finished && p.min > 0 && this.elapsed >= p.min * 1000;
  };

  Engine.prototype.startClock = function () {
    var self = this;
    this.stopClock();
    this.last = this.now();
    this.timer = root.setInterval(function () { self.tick(); }, TICK_MS);
  };

  Engine.prototype.stopClock = function () {
    if (this.timer) root.clearInterval(this.timer);
    this.timer = null;
  };

  Engine.prototype.enter = function (index, how) {
    this.index = index;
    this.elapsed = 0;
    var p = this.current();
    this.emit("phase", p, index, how);
    if (p.type === "reps") this.emit("rep", 1, p);
  };

  Engine.prototype.start = function () {
    if (this.running) return;
    if (this.finished) this.reset();
    this.running = true;
    this.startClock();
    this.emit("run", true);
    if (!this.started) {
      this.started = true;
      this.enter(0, "start");
    }
    this.emit("tick", this);
  };

  Engine.prototype.pause = function () {
    if (!this.running) return;
    this.tick();
    this.running = false;
    this.stopClock();
    this.emit("run", false);
    this.emit("tick", this);
  };

  Engine.prototype.toggle = function () {
    if (this.running) this.pause(); else this.start();
  };

  Engine.prototype.finish = function () {
    this.running = false;
    this.finished = true;
    this.elapsed = 0;
    this.stopClock();
    this.emit("run", false);
    this.emit("done");
    this.emit("tick", this);
  };

  /* Skip to the next phase (or to the end). */
  Engine.prototype.skip = function () {
    if (this.finished) return;
    if (!this.started) this.started = true;
    if (this.index + 1 >= this.phases.length) {
      this.finish();
      return;
    }
    if (this.running) this.startClock();  // the new phase's seconds are counted from now
    this.enter(this.index + 1, "skip");
    this.emit("tick", this);
  };

  /* Back to the start of this phase, or to the phase before when it has only just begun. */
  Engine.prototype.back = function () {
    var target = this.index;
    if (this.finished) {
      this.finished = false;
      target = this.phases.length - 1;
    } else if (this.elapsed < BACK_RESTARTS_AFTER * 1000 && this.index > 0) {
      target = this.index - 1;
    }
    this.started = true;
    if (this.running) this.startClock();
    this.enter(target, "back");
    this.emit("tick", this);
  };

  Engine.prototype.tick = function () {
    if (!this.running) return;
    var now = this.now();
    var before = this.elapsed;
    this.elapsed += now - this.last;
    this.last = now;
    for (;;) {
      var p = this.current();
      var end = p.seconds * 1000;
      if (p.min > 0 && before < p.min * 1000 && this.elapsed >= p.min * 1000) this.emit("minimum", p);
      if (p.type === "reps") {
        var tempo = p.tempo * 1000;
        for (var n = Math.floor(before / tempo) + 2; (n - 1) * tempo <= Math.min(this.elapsed, end - 1); n++) {
          this.emit("rep", n, p);
        }
      }
      if (this.elapsed < end) break;
      var overflow = this.elapsed - end;
      if (this.index + 1 >= this.phases.length) {
        this.finish();
        return;
      }
      this.enter(this.index + 1, "auto");
      this.elapsed = overflow;
      before = 0;
    }
    this.emit("tick", this);
  };

  /* "1:05" from milliseconds, rounding up so 0:00 shows only at the end. */
  function clock(ms) {
    var total = Math.max(0, Math.ceil(ms / 1000));
    var minutes = Math.floor(total / 60);
    var seconds = total % 60;
    return minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
  }

  root.SGTimer = { Engine: Engine, dosePhases: dosePhases, clock: clock, fill: fill };
})(window);
