// The check-in screen: keeps the rotating code and QR code current, and shows who has arrived.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const screen = document.querySelector("[data-checkin-screen]");
  if (!screen) return;
  const field = (name) => screen.querySelector(`[data-field="${name}"]`);
  const fill = (list, items) => {
    list.replaceChildren(...items.map((item) => {
      const li = document.createElement("li");
      li.textContent = item;
      return li;
    }));
  };

  const show = (state) => {
    field("message").textContent = state.message;
    field("code-box").hidden = !state.code;
    if (state.code && field("code").textContent !== state.code) {
      field("code").textContent = state.code;
      field("qr").src = state.qr;
    }
    fill(field("checked-in"), state.checked_in.map((p) => `${p.name} · ${p.status}`));
    fill(field("waiting"), state.waiting);
    field("in-count").textContent = state.checked_in.length;
    field("waiting-count").textContent = state.waiting.length;
  };

  const poll = async () => {
    try {
      const response = await fetch(screen.dataset.stateUrl, {
        credentials: "same-origin", headers: { "Accept": "application/json" }, cache: "no-store",
      });
      if (response.ok) show(await response.json());
    } catch (error) {
      // the next poll tries again; the code on screen stays valid through its grace period
    }
  };
  setInterval(poll, 3000);

  const full = screen.querySelector(".checkin-fullscreen");
  if (full && document.fullscreenEnabled) {
    full.hidden = false;
    full.addEventListener("click", () => {
      if (document.fullscreenElement) document.exitFullscreen();
      else screen.requestFullscreen();
    });
    // the stylesheet hides the button and enlarges the QR code while the screen is full screen
    document.addEventListener("fullscreenchange", () => {
      screen.classList.toggle("is-fullscreen", document.fullscreenElement === screen);
    });
  }
});
