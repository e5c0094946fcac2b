// Roll call: each tap on a status (and each changed note) is kept on this device at once and sent
// by offline.js, with the network or as soon as it returns (docs/attendance.md). Without
// JavaScript every row is a plain form with its own Save button.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const list = document.querySelector("[data-rollcall]");
  const offline = window.lmsOffline;
  if (!list || !offline) return;
  const texts = list.dataset;
  const session = texts.session;
  const rows = new Map();  // learner id (text) -> form

  const statusOf = (form) => form.querySelector(".rollcall-status");
  const markRow = (form, pending, text) => {
    form.classList.toggle("is-pending", pending);
    statusOf(form).textContent = text;
  };

  const save = (form, learner) => {
    const data = new FormData(form);
    if (!data.get("status")) return;
    markRow(form, true, texts.queuedText);
    offline.enqueue({
      session, url: texts.sync, learner: Number(learner), status: data.get("status"),
      note: data.get("note") || "", paper: data.get("source") === "paper",
    });
  };

  list.querySelectorAll("form.rollcall-form").forEach((form) => {
    const learner = form.closest("li").id.replace("learner-", "");
    rows.set(learner, form);
    form.querySelectorAll(".rollcall-save").forEach((button) => { button.hidden = true; });
    // a note is kept when the field is left, or once typing pauses (phone keyboards may never leave it)
    let timer;
    form.addEventListener("change", () => { clearTimeout(timer); save(form, learner); });
    form.querySelectorAll("input[name=note]").forEach((note) => {
      note.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => save(form, learner), 800); });
    });
    form.addEventListener("submit", (event) => { event.preventDefault(); save(form, learner); });
  });

  // Offline, "Mark all present" marks the rows without a status here; online the server does it.
  const allPresent = document.querySelector(".rollcall-tools form");
  if (allPresent) {
    allPresent.addEventListener("submit", (event) => {
      if (navigator.onLine) return;
      event.preventDefault();
      rows.forEach((form, learner) => {
        const present = form.querySelector("input[name=status][value=present]");
        if (form.querySelector("input[name=status]:checked") || !present || present.disabled) return;
        present.checked = true;
        save(form, learner);
      });
    });
  }

  // Marks still waiting from before (a reload, a page opened offline) are shown on their rows.
  const showWaiting = async () => {
    const waiting = await offline.pendingFor(session);
    const still = new Set(waiting.map((m) => String(m.learner)));
    waiting.forEach((mark) => {
      const form = rows.get(String(mark.learner));
      if (!form) return;
      const radio = form.querySelector(`input[name=status][value="${mark.status}"]`);
      if (radio) radio.checked = true;
      const note = form.querySelector("input[name=note]");
      if (note && document.activeElement !== note) note.value = mark.note;
      markRow(form, true, texts.queuedText);
    });
    return still;
  };
  offline.ready.then(showWaiting);

  offline.onResult(async (ofSession, results) => {
    if (ofSession !== session) return;
    const still = await showWaiting();
    results.forEach((result) => {
      const form = rows.get(String(result.learner));
      if (!form || still.has(String(result.learner))) return;
      if (result.outcome === "refused") {
        markRow(form, false, result.message);
        form.classList.add("is-refused");
        return;
      }
      form.classList.remove("is-refused");
      const radio = result.status && form.querySelector(`input[name=status][value="${result.status}"]`);
      if (radio) radio.checked = true;
      markRow(form, false, `${texts.savedText}: ${result.label}`);
    });
  });
});
