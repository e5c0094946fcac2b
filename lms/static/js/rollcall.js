// Roll call: each tap on a status (and each changed note) is saved at once, one row at a time.
// Without JavaScript every row is a plain form with its own Save button. A row that could not be
// saved (no network at the center) is kept and sent again until it goes through.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const list = document.querySelector("[data-rollcall]");
  if (!list) return;
  const texts = list.dataset;
  const pending = new Set();
  const inFlight = new WeakMap();  // form -> true while its row is being sent

  // One request per row at a time: a tap on "late" and the note typed just after must not race,
  // or the first (without the note) could arrive last and wipe the note. A change made while a
  // row is being sent is sent again, with everything the row then holds, once the first is done.
  const save = async (form) => {
    if (inFlight.get(form)) { inFlight.set(form, "again"); return; }
    inFlight.set(form, true);
    try { await send(form); } finally {
      const again = inFlight.get(form) === "again";
      inFlight.delete(form);
      if (again) save(form);
    }
  };

  const send = async (form) => {
    const status = form.querySelector(".rollcall-status");
    const data = new FormData(form);
    if (!data.get("status")) return;
    status.textContent = texts.savingText;
    try {
      const response = await fetch(form.action, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "X-Requested-With": "fetch", "Accept": "application/json" },
      });
      const body = await response.json().catch(() => ({}));
      if (response.ok) {
        pending.delete(form);
        status.textContent = `${texts.savedText}: ${body.label}`;
        form.classList.remove("is-pending");
      } else if (response.status >= 500) {
        throw new Error("server");
      } else {
        pending.delete(form);  // refused for a reason a retry will not change: say why
        status.textContent = body.error || texts.offlineText;
      }
    } catch (error) {
      pending.add(form);
      form.classList.add("is-pending");
      status.textContent = texts.offlineText;
    }
  };

  list.querySelectorAll("form.rollcall-form").forEach((form) => {
    form.querySelectorAll(".rollcall-save").forEach((button) => { button.hidden = true; });
    form.addEventListener("change", () => save(form));
    // a note typed and left without leaving the field (phone keyboards) is saved too
    form.querySelectorAll("input[name=note]").forEach((note) => {
      let timer;
      note.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => save(form), 800); });
    });
    form.addEventListener("submit", (event) => { event.preventDefault(); save(form); });
  });

  const retry = () => pending.forEach((form) => save(form));
  window.addEventListener("online", retry);
  setInterval(retry, 5000);
  window.addEventListener("beforeunload", (event) => {
    if (pending.size) { event.preventDefault(); event.returnValue = ""; }
  });
});
