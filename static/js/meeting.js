// Talk-time meter for meeting mode ([data-meter]).
// Tapping a speaker counts time for them; tapping them again (or Pause)
// stops. The totals are kept with the record: saved every 10 seconds while
// the meter runs, on pause, and when the page is hidden or left.
(function () {
  "use strict";

  const SPEAKERS = ["professional", "parent", "child"];
  const TICK_MS = 1000;
  const SAVE_EVERY_MS = 10000;
  const RETRY_MS = 15000;
  // Screen readers hear the shares at most this often while the meter runs,
  // and a tap is announced no sooner than LIVE_MIN_GAP_MS after the last one.
  const LIVE_EVERY_MS = 20000;
  const LIVE_MIN_GAP_MS = 4000;
  // A short opening by the professional is normal; only hint after this.
  const HINT_AFTER_SECONDS = 30;

  const meter = document.querySelector("[data-meter]");
  if (!meter) return;

  const text = meter.dataset;
  const url = text.saveUrl;
  const planned = parseInt(text.planned, 10) || 0;
  const csrfInput = meter.querySelector("input[name='csrfmiddlewaretoken']");
  const csrf = csrfInput ? csrfInput.value : "";
  const buttons = meter.querySelectorAll("[data-speaker]");
  const pauseButton = meter.querySelector("[data-pause]");
  const hint = meter.querySelector("[data-hint]");
  const live = meter.querySelector("[data-live]");
  const error = meter.querySelector("[data-meter-error]");
  const used = meter.querySelector("[data-used]");
  const progress = meter.querySelector("[data-progress]");

  const totalsMs = {};
  SPEAKERS.forEach(function (who) {
    totalsMs[who] = (parseInt(text[who], 10) || 0) * 1000;
  });
  let saved = seconds(); // what the server holds, as far as we know
  let speaker = null;
  let since = 0;
  let stale = false;
  let saving = false;
  let saveAgain = false;
  let lastLive = 0;
  let liveTimer = null;
  let tickTimer = null;
  let saveTimer = null;
  let retryTimer = null;

  function accumulate() {
    if (speaker === null) return;
    // Wall-clock time keeps counting while a tablet's screen is locked.
    const now = Date.now();
    totalsMs[speaker] += Math.max(0, now - since);
    since = now;
  }

  function seconds() {
    const result = {};
    SPEAKERS.forEach(function (who) {
      result[who] = Math.floor(totalsMs[who] / 1000);
    });
    return result;
  }

  function sum(sec) {
    return sec.professional + sec.parent + sec.child;
  }

  function share(sec, who) {
    const total = sum(sec);
    return total ? Math.round((100 * sec[who]) / total) : 0;
  }

  function clock(total) {
    const minutes = Math.floor(total / 60);
    const rest = total % 60;
    return minutes + ":" + String(rest).padStart(2, "0");
  }

  function part(selector, who) {
    return meter.querySelector("[" + selector + "='" + who + "']");
  }

  function hintText(sec) {
    if (sum(sec) === 0 && speaker === null) return text.hintStart;
    if (sum(sec) >= HINT_AFTER_SECONDS && sec.professional > sec.parent) return text.hintRoom;
    if (sum(sec) >= HINT_AFTER_SECONDS) return text.hintGood;
    return speaker === null ? text.hintStart : "";
  }

  function liveText(sec) {
    const shares = SPEAKERS.map(function (who) {
      return part("data-label", who).textContent + " " + share(sec, who) + "%";
    });
    return shares.join(", ") + ". " + (hintText(sec) || "");
  }

  function announce(tapped) {
    const now = Date.now();
    const gap = now - lastLive;
    if (gap >= (tapped ? LIVE_MIN_GAP_MS : LIVE_EVERY_MS)) {
      lastLive = now;
      live.textContent = liveText(seconds());
    } else if (tapped && liveTimer === null) {
      liveTimer = window.setTimeout(function () {
        liveTimer = null;
        announce(true);
      }, LIVE_MIN_GAP_MS - gap);
    }
  }

  function render() {
    accumulate();
    const sec = seconds();
    const total = sum(sec);
    SPEAKERS.forEach(function (who) {
      part("data-share", who).textContent = share(sec, who) + "%";
      part("data-time", who).textContent = clock(sec[who]);
      // CSSOM, not a style attribute: allowed under the page's CSP.
      part("data-bar", who).style.width = (total ? (100 * sec[who]) / total : 0) + "%";
    });
    used.textContent = clock(total);
    progress.value = Math.min(total, planned);
    const over = planned > 0 && total > planned;
    meter.classList.toggle("meter--over", over);
    const message = hintText(sec);
    hint.textContent = over ? message + " " + text.overTime : message;
    hint.classList.toggle("meter__hint--room", message === text.hintRoom);
  }

  function showError(message) {
    error.textContent = message;
    error.hidden = !message;
  }

  function setPressed() {
    buttons.forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.speaker === speaker));
    });
    pauseButton.disabled = speaker === null;
    meter.classList.toggle("meter--running", speaker !== null);
  }

  function formData(sec) {
    const data = new FormData();
    data.append("csrfmiddlewaretoken", csrf);
    SPEAKERS.forEach(function (who) {
      data.append(who, String(sec[who]));
    });
    return data;
  }

  function changed(sec) {
    return SPEAKERS.some(function (who) {
      return sec[who] !== saved[who];
    });
  }

  function retryLater() {
    if (retryTimer === null) {
      retryTimer = window.setTimeout(function () {
        retryTimer = null;
        save();
      }, RETRY_MS);
    }
  }

  function becomeStale() {
    stale = true;
    stop();
    buttons.forEach(function (button) {
      button.disabled = true;
    });
    showError(text.stale);
  }

  // One save at a time: a later, larger total must never arrive before an
  // earlier one, or the server would rightly refuse the earlier one.
  function save() {
    accumulate();
    if (stale) return;
    const sec = seconds();
    if (!changed(sec)) return;
    if (saving) {
      saveAgain = true;
      return;
    }
    saving = true;
    window
      .fetch(url, {
        method: "POST",
        body: formData(sec),
        credentials: "same-origin",
        keepalive: true,
      })
      .then(function (response) {
        if (response.status === 204) {
          saved = sec;
          showError("");
        } else if (response.status === 409) {
          becomeStale();
        } else if (response.redirected || response.status === 401 || response.status === 403) {
          showError(text.expired);
          retryLater();
        } else {
          showError(text.offline);
          retryLater();
        }
      })
      .catch(function () {
        showError(text.offline);
        retryLater();
      })
      .finally(function () {
        saving = false;
        if (saveAgain) {
          saveAgain = false;
          save();
        }
      });
  }

  // When the page goes away a fetch may be cut off; a beacon is delivered.
  function saveOnLeave() {
    accumulate();
    if (stale) return;
    const sec = seconds();
    if (changed(sec) && navigator.sendBeacon) {
      navigator.sendBeacon(url, formData(sec));
    }
  }

  function start(who) {
    accumulate();
    speaker = who;
    since = Date.now();
    if (tickTimer === null) tickTimer = window.setInterval(render, TICK_MS);
    if (saveTimer === null) saveTimer = window.setInterval(save, SAVE_EVERY_MS);
    setPressed();
    render();
    announce(true);
  }

  function stop() {
    accumulate();
    speaker = null;
    window.clearInterval(tickTimer);
    window.clearInterval(saveTimer);
    tickTimer = null;
    saveTimer = null;
    setPressed();
    render();
  }

  function pause() {
    if (speaker === null) return;
    stop();
    announce(true);
    save();
  }

  meter.addEventListener("click", function (event) {
    const button = event.target.closest("[data-speaker]");
    if (button && !stale) {
      if (button.dataset.speaker === speaker) {
        pause();
      } else {
        start(button.dataset.speaker);
      }
    } else if (event.target.closest("[data-pause]")) {
      pause();
    }
  });

  // Keep announcing now and then while the meter runs.
  window.setInterval(function () {
    if (speaker !== null) announce(false);
  }, LIVE_EVERY_MS);

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") saveOnLeave();
  });
  window.addEventListener("pagehide", saveOnLeave);

  const held = document.querySelector("[data-meeting-held]");
  if (held) held.addEventListener("click", pause);

  // With JavaScript the meter replaces the stored shares, and every notes
  // field saves itself, so the form's save button is not needed.
  meter.hidden = false;
  document.querySelectorAll("[data-meter-fallback], [data-nojs-only]").forEach(function (el) {
    el.hidden = true;
  });
  setPressed();
  render();
})();
