/* Cues for busy hands, shared by the hold timer and the routine player: spoken words in the
   guide's language, a short tone where the browser cannot speak, vibration where the phone can,
   a screen kept awake while a timer runs, and a mute switch that is remembered.
   Nothing sounds before the first tap: the audio context is made inside a click, and nothing
   is spoken before a timer has been started by one.
   Each cue is put into words once: spoken aloud, or (muted, or no speech) written to the
   aria-live region, never both, so a screen reader user does not hear it twice. */
(function (root) {
  "use strict";

  var MUTE_KEY = "stretchguide-muted";
  var VIBRATE = {
    ready: [150, 100, 150, 100, 150],
    hold: [300],
    reps: [300],
    rep: [60],
    "switch": [150, 100, 150],
    rest: [500],
    minimum: [80, 80, 80],
    done: [400, 150, 400]
  };
  var TONE = { ready: [660, 660], hold: [880], reps: [880], rep: [990], "switch": [660, 880],
               rest: [440], minimum: [770], done: [880, 660, 880] };

  var audio = null;
  var lock = null;
  var lockWanted = false;

  function storage() {
    try { return root.localStorage; } catch (e) { return null; }
  }

  function muted() {
    var store = storage();
    return !!store && store.getItem(MUTE_KEY) === "1";
  }

  function setMuted(value) {
    var store = storage();
    if (!store) return;
    if (value) store.setItem(MUTE_KEY, "1"); else store.removeItem(MUTE_KEY);
    if (value && root.speechSynthesis) root.speechSynthesis.cancel();
  }

  function canSpeak() {
    return !!(root.speechSynthesis && root.SpeechSynthesisUtterance &&
              root.speechSynthesis.getVoices().length);
  }

  /* Called from a click: the one moment a browser lets a page make sound. */
  function unlock() {
    var Context = root.AudioContext || root.webkitAudioContext;
    if (!audio && Context) {
      try { audio = new Context(); } catch (e) { audio = null; }
    }
    if (audio && audio.state === "suspended") audio.resume();
    if (root.speechSynthesis) root.speechSynthesis.getVoices();  // starts loading the voices
  }

  function tone(kind) {
    var notes = TONE[kind];
    if (!audio || !notes) return;
    var start = audio.currentTime;
    var length = kind === "rep" ? 0.08 : 0.18;
    for (var i = 0; i < notes.length; i++) {
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.frequency.value = notes[i];
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.3, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start(start);
      osc.stop(start + length + 0.02);
      start += length + 0.07;
    }
  }

  function vibrate(kind) {
    if (root.navigator.vibrate && VIBRATE[kind]) {
      try { root.navigator.vibrate(VIBRATE[kind]); } catch (e) { /* not allowed: no matter */ }
    }
  }

  /* Make a cue: `kind` picks the vibration and tone; `text` is what is said or announced.
     `live` is the aria-live element; `lang` the guide's language; `interrupt` drops speech
     still queued (a new phase makes the last phase's words stale). */
  function cue(kind, text, live, lang, interrupt) {
    vibrate(kind);
    var spoken = false;
    if (!muted()) {
      if (!canSpeak()) {
        tone(kind);
      } else if (text) {
        if (interrupt) root.speechSynthesis.cancel();
        var utterance = new root.SpeechSynthesisUtterance(text);
        utterance.lang = lang || root.document.documentElement.lang || "en";
        root.speechSynthesis.speak(utterance);
        spoken = true;
      }
    }
    if (live && text) live.textContent = spoken ? "" : text;
  }

  function requestLock() {
    if (!lockWanted || lock || !root.navigator.wakeLock || root.document.visibilityState !== "visible") return;
    root.navigator.wakeLock.request("screen").then(function (sentinel) {
      if (!lockWanted) {
        sentinel.release();
        return;
      }
      lock = sentinel;
      if (sentinel.addEventListener) {
        sentinel.addEventListener("release", function () {
          if (lock === sentinel) lock = null;
        });
      }
    }, function () { /* refused (battery saver, no permission): the timer runs on regardless */ });
  }

  /* Keep the screen awake while a timer runs; release the lock when it stops. */
  function keepAwake(on) {
    lockWanted = on;
    if (on) {
      requestLock();
    } else if (lock) {
      var held = lock;
      lock = null;
      held.release();
    }
  }

  // The browser drops the lock when the page is hidden; take it again when it is back.
  root.document.addEventListener("visibilitychange", requestLock);

  /* A mute switch: a toggle button that remembers its state for every page of the guide. */
  function muteButton(className, label) {
    var button = root.document.createElement("button");
    button.type = "button";
    button.className = className;
    button.textContent = label;
    function show() {
      button.setAttribute("aria-pressed", muted() ? "true" : "false");
    }
    button.addEventListener("click", function () {
      unlock();
      setMuted(!muted());
      show();
    });
    root.addEventListener("storage", function (event) {
      if (event.key === MUTE_KEY) show();
    });
    show();
    return button;
  }

  root.SGCues = { cue: cue, unlock: unlock, keepAwake: keepAwake, muted: muted, setMuted: setMuted,
                  muteButton: muteButton };
})(window);
