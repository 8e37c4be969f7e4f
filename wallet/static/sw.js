// The wallet's service worker. The server prepends SHELL_VERSION and SHELL_FILES (the app
// shell, see wallet/web.py), so the cache list is never edited by hand.
/* global SHELL_VERSION, SHELL_FILES */
const CACHE = `elicence-wallet-${SHELL_VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL_FILES))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n.startsWith("elicence-wallet-") && n !== CACHE)
      .map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

// Shell: cache first (the wallet must open offline). API calls always go to the network:
// claims, status and the usage record are only meaningful live.
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin
    || !url.pathname.startsWith("/wallet/") || url.pathname.startsWith("/wallet/api/")) return;
  const key = url.pathname === "/wallet/index.html" ? "/wallet/" : url.pathname;
  event.respondWith(caches.open(CACHE).then((cache) => cache.match(key)
    .then((hit) => hit || fetch(event.request))));
});
