// The roll call's service worker, served at /attendance/sw.js with the whole site as its scope
// (the attendance pages and "My sessions"). It keeps the pages offline.js asks for (the trainer's
// session lists and the roll calls of today and tomorrow, listed by /attendance/offline.json) and
// the files they need in Cache Storage, and serves them when the network is not there; other
// pages come from the network only. Pages come from the network first: a kept copy is
// used only when the network fails, or is slower than a few seconds and a copy exists.
// Marks are not sent from here: offline.js queues and sends them from the page.
// Log-out clears all of it (the server's Clear-Site-Data header, and app.js).
"use strict";
const CACHE = "lms-attendance-v1";
const LIST = new URL("offline-list", self.registration.scope).href;
const SLOW_MS = 4000;
const KEEP_AGAIN_MS = 60000;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith("lms-") && n !== CACHE).map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

const keptList = async () => {
  const found = await (await caches.open(CACHE)).match(LIST);
  return found ? found.json() : null;
};

const isKept = async (url) => {
  const list = await keptList();
  if (!list) return false;
  const wanted = new URL(url);
  return list.pages.concat(list.assets).some((path) => new URL(path, self.location.origin).pathname === wanted.pathname);
};

const keep = async (listUrl, force, client) => {
  const before = await keptList();
  if (!force && before && Date.now() - before.keptAt < KEEP_AGAIN_MS) {
    if (client) client.postMessage({ type: "kept", pages: before.pages.length });
    return;
  }
  const response = await fetch(listUrl, { credentials: "same-origin", redirect: "manual", cache: "no-store" });
  if (!response.ok) return;
  const list = await response.json();
  if (before && before.user !== list.user) await caches.delete(CACHE);  // another person's pages go first
  const cache = await caches.open(CACHE);
  const wanted = list.pages.concat(list.assets).map((path) => new URL(path, self.location.origin).href);
  await Promise.all(wanted.map(async (url) => {
    try {
      const page = await fetch(url, { credentials: "same-origin", redirect: "manual", cache: "no-store" });
      if (page.ok && page.type === "basic") await cache.put(url, page);
    } catch (error) { /* kept as it was */ }
  }));
  for (const request of await cache.keys()) {
    if (request.url !== LIST && !wanted.includes(request.url)) await cache.delete(request);
  }
  await cache.put(LIST, new Response(JSON.stringify({ ...list, keptAt: Date.now() }),
                                     { headers: { "Content-Type": "application/json" } }));
  if (client) client.postMessage({ type: "kept", pages: list.pages.length });
};

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "keep") event.waitUntil(keep(event.data.list, event.data.force, event.source));
});

const copyOf = async (request, navigation) => {
  const cache = await caches.open(CACHE);
  const found = await cache.match(request.url, { ignoreVary: true })
    || await cache.match(request.url, { ignoreVary: true, ignoreSearch: true });
  if (found || !navigation) return found;
  const list = await keptList();  // an attendance page not kept: the session list instead
  const index = list && list.pages[0] && new URL(list.pages[0], self.location.origin);
  if (!index || !new URL(request.url).pathname.startsWith(index.pathname)) return undefined;
  return cache.match(index.href, { ignoreVary: true });
};

const fromNetwork = async (request, navigation) => {
  const response = await fetch(request);
  if (response.ok && response.type === "basic" && !response.redirected && await isKept(request.url)) {
    const cache = await caches.open(CACHE);
    await cache.put(request.url, response.clone());
  }
  return response;
};

const answer = async (request, navigation) => {
  const network = fromNetwork(request, navigation);
  const slow = new Promise((resolve) => { setTimeout(() => resolve("slow"), SLOW_MS); });
  try {
    const first = await Promise.race([network, slow]);
    if (first !== "slow") return first;
    const copy = await copyOf(request, navigation);
    return copy || await network;
  } catch (error) {
    const copy = await copyOf(request, navigation);
    if (copy) return copy;
    throw error;
  }
};

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const navigation = request.mode === "navigate";
  if (!navigation && !/\.(css|js|svg)$/.test(url.pathname)) return;
  if (url.pathname.endsWith("/sw.js")) return;
  event.respondWith(answer(request, navigation));
});
