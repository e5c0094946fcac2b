// The signature box: draws with pointer events (mouse, touch, pen) and sends the strokes as SVG
// paths. The server keeps only the paths' numbers (lms/attendance/signature_svg.py).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("[data-signature-pad]");
  if (!form) return;
  const canvas = form.querySelector("canvas");
  const input = form.querySelector('input[name="drawing"]');
  const error = form.querySelector("[data-signature-error]");
  const context = canvas.getContext("2d");
  const strokes = [];
  let current = null;

  context.lineWidth = 3;
  context.lineCap = "round";
  context.lineJoin = "round";
  context.strokeStyle = "#111";

  const point = (event) => {
    const box = canvas.getBoundingClientRect();
    const x = ((event.clientX - box.left) * canvas.width) / box.width;
    const y = ((event.clientY - box.top) * canvas.height) / box.height;
    return [Math.round(Math.min(Math.max(x, 0), canvas.width) * 10) / 10,
            Math.round(Math.min(Math.max(y, 0), canvas.height) * 10) / 10];
  };

  const draw = (from, to) => {
    context.beginPath();
    context.moveTo(from[0], from[1]);
    context.lineTo(to[0], to[1]);
    context.stroke();
  };

  canvas.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    const start = point(event);
    current = [start];
    strokes.push(current);
    draw(start, start);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!current) return;
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    for (const each of events.length ? events : [event]) {
      const next = point(each);
      const last = current[current.length - 1];
      if (next[0] === last[0] && next[1] === last[1]) continue;
      draw(last, next);
      current.push(next);
    }
  });
  const end = () => { current = null; };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);

  form.querySelector("[data-signature-clear]").addEventListener("click", () => {
    strokes.length = 0;
    context.clearRect(0, 0, canvas.width, canvas.height);
    error.replaceChildren();
  });

  const svg = () => {
    const paths = strokes.filter((s) => s.length > 1).map((s) =>
      `<path d="${s.map((p, i) => `${i ? "L" : "M"}${p[0]} ${p[1]}`).join(" ")}"/>`);
    return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${canvas.width} ${canvas.height}">${paths.join("")}</svg>`;
  };

  form.addEventListener("submit", (event) => {
    if (!strokes.some((s) => s.length > 1)) {
      event.preventDefault();
      const message = document.createElement("p");
      message.textContent = form.dataset.emptyText;
      error.replaceChildren(message);
      return;
    }
    input.value = svg();
  });
});
