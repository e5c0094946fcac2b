// Quiz attempts: save each answer as soon as it changes, and show the time left.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-autosave]");
  if (form) {
    const status = form.querySelector(".autosave-status");
    let timer = null;
    const save = async () => {
      const data = new FormData(form);
      data.delete("submit");
      try {
        const response = await fetch(form.action, {
          method: "POST", body: data, credentials: "same-origin",
          headers: { "X-Requested-With": "fetch", "Accept": "application/json" },
        });
        const body = await response.json();
        status.textContent = response.ok ? form.dataset.savedText || "✓" : (body.error || "!");
      } catch (error) {
        status.textContent = form.dataset.offlineText || "…";
      }
    };
    form.addEventListener("change", () => { clearTimeout(timer); timer = setTimeout(save, 300); });
    form.addEventListener("input", (event) => {
      if (event.target.matches("input[type=text], input:not([type]), textarea")) {
        clearTimeout(timer); timer = setTimeout(save, 1500);
      }
    });
  }
  const clock = document.querySelector(".timer[data-deadline]");
  if (clock) {
    const deadline = new Date(clock.dataset.deadline).getTime();
    const left = clock.querySelector(".timer-left");
    const tick = () => {
      const seconds = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      left.textContent = `(${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")})`;
    };
    tick();
    setInterval(tick, 1000);
  }
});
