// The roll call kept on this device (docs/attendance.md, "Without the network").
// Registers the service worker (attendance-sw.js, served at /attendance/sw.js), asks it to keep
// the session list and the roll calls of today and tomorrow, queues marks in IndexedDB, each with
// an idempotency key, and sends them when it can: at once, on the `online` event, on the next page
// load and every 15 seconds while any wait. The bar [data-offline] says when the page is offline
// and how many marks wait; its texts come translated from the server.
"use strict";
(() => {
  const bar = document.querySelector("[data-offline]");
  if (!bar || !window.indexedDB) return;
  const texts = bar.dataset;
  const user = texts.user;
  const MARKS = "marks";
  const META = "meta";
  const CHUNK = 50;
  const listeners = [];
  let seq = 0;
  let loginNeeded = false;
  let notice = "";

  const ask = (request) => new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  let opened = null;
  const database = () => opened || (opened = new Promise((resolve, reject) => {
    const request = indexedDB.open("lms-offline", 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(MARKS, { keyPath: "key" });
      request.result.createObjectStore(META);
    };
    request.onsuccess = () => {
      const db = request.result;
      db.onversionchange = () => { db.close(); opened = null; };  // a log-out deleting the database
      resolve(db);
    };
    request.onerror = () => reject(request.error);
  }));
  const store = async (name, mode) => (await database()).transaction(name, mode).objectStore(name);
  const queued = async () => (await ask((await store(MARKS, "readonly")).getAll()))
    .filter((mark) => mark.owner === user).sort((a, b) => a.seq - b.seq);
  const forget = async (keys) => {
    const marks = await store(MARKS, "readwrite");
    await Promise.all(keys.map((key) => ask(marks.delete(key))));
  };

  // Nothing of another person stays: a queue or kept pages left by someone else are wiped.
  const claim = async () => {
    const owner = await ask((await store(META, "readonly")).get("owner"));
    if (owner !== undefined && owner !== user) {
      await ask((await store(MARKS, "readwrite")).clear());
      if (window.caches) {
        const names = await caches.keys();
        await Promise.all(names.filter((n) => n.startsWith("lms-")).map((n) => caches.delete(n)));
      }
    }
    await ask((await store(META, "readwrite")).put(user, "owner"));
  };

  const uuid = () => {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };

  const render = async () => {
    const count = (await queued()).length;
    const state = bar.querySelector(".offline-bar__state");
    const pending = bar.querySelector(".offline-bar__pending");
    let text = navigator.onLine ? (count ? texts.sendingText : notice) : texts.offlineText;
    if (loginNeeded && count) text = texts.loginText;
    state.textContent = text;
    pending.hidden = count === 0;
    bar.querySelector(".offline-bar__label").textContent = texts.pendingText;
    bar.querySelector(".offline-bar__count").textContent = String(count);
    bar.hidden = !text && count === 0;
    bar.classList.toggle("is-offline", !navigator.onLine);
    bar.dataset.waiting = String(count);
  };

  const freshToken = async () => {
    const response = await fetch(texts.token, {
      credentials: "same-origin", redirect: "manual", cache: "no-store", headers: { Accept: "application/json" },
    });
    if (response.type === "opaqueredirect" || response.status === 401) { loginNeeded = true; return null; }
    if (!response.ok) throw new Error("token");
    loginNeeded = false;
    return (await response.json()).csrf_token;
  };

  const body = (marks) => JSON.stringify({ marks: marks.map((m) => ({
    key: m.key, learner: m.learner, status: m.status, note: m.note, paper: m.paper, marked_at: m.markedAt,
  })) });

  // Send every queued mark, session by session, in the order they were made. Marks leave the queue
  // only when the server has answered for them; a lost answer means sending them again, which the
  // server recognises by their keys.
  const send = async () => {
    const marks = await queued();
    if (!marks.length || !navigator.onLine) return;
    const token = await freshToken();
    if (!token) return;
    const sessions = new Map();
    marks.forEach((m) => { if (!sessions.has(m.url)) sessions.set(m.url, []); sessions.get(m.url).push(m); });
    for (const [url, ofSession] of sessions) {
      for (let i = 0; i < ofSession.length; i += CHUNK) {
        const chunk = ofSession.slice(i, i + CHUNK);
        const response = await fetch(url, {
          method: "POST", credentials: "same-origin", redirect: "manual", body: body(chunk),
          headers: { "Content-Type": "application/json", "X-CSRFToken": token, "X-Requested-With": "fetch",
                     Accept: "application/json" },
        });
        if (response.type === "opaqueredirect" || response.status === 401) { loginNeeded = true; return; }
        if (response.ok) {
          const answer = await response.json();
          await forget(answer.results.map((r) => r.key));
          listeners.forEach((fn) => fn(chunk[0].session, answer.results));
        } else if ([400, 403, 404].includes(response.status)) {
          // refused for a reason sending again will not change (the token was fresh): say so
          await forget(chunk.map((m) => m.key));
          const results = chunk.map((m) => ({ key: m.key, learner: m.learner, outcome: "refused",
                                              message: texts.forbiddenText }));
          listeners.forEach((fn) => fn(chunk[0].session, results));
        } else {
          return;  // the server is in trouble: the marks stay and go later
        }
      }
      keep(true);  // the kept copy of the roll call shows what was just saved
    }
    notice = texts.sentText;
  };

  let running = null;
  let again = false;
  const flush = () => {
    if (running) { again = true; return running; }
    running = send().catch(() => undefined).then(render).finally(() => {
      running = null;
      if (again) { again = false; flush(); }
    });
    return running;
  };

  const enqueue = async (mark) => {
    seq += 1;
    await ask((await store(MARKS, "readwrite")).put({
      ...mark, key: uuid(), owner: user, seq: Date.now() * 1000 + (seq % 1000), markedAt: new Date().toISOString(),
    }));
    await render();
    flush();
  };

  const pendingFor = async (session) => (await queued()).filter((m) => m.session === session);

  // The worker keeps the pages; it answers "kept" once they are on the device.
  const keep = (force) => {
    if (!navigator.serviceWorker || !navigator.serviceWorker.controller || !navigator.onLine) return;
    navigator.serviceWorker.controller.postMessage({ type: "keep", list: texts.pages, force: Boolean(force) });
  };
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "kept") document.documentElement.dataset.offlineKept = event.data.pages;
    });
    navigator.serviceWorker.register(texts.worker, { scope: texts.scope }).then(() => {
      if (navigator.serviceWorker.controller) keep(false);
      else navigator.serviceWorker.addEventListener("controllerchange", () => keep(false), { once: true });
    }).catch(() => undefined);
  }

  window.lmsOffline = { enqueue, flush, pendingFor, onResult: (fn) => listeners.push(fn), ready: null };
  window.lmsOffline.ready = claim().then(render).then(flush).catch(() => undefined);
  window.addEventListener("online", () => { notice = texts.onlineText; flush(); });
  window.addEventListener("offline", () => { notice = ""; render(); });
  setInterval(() => { queued().then((marks) => { if (marks.length) flush(); }).catch(() => undefined); }, 15000);
})();
