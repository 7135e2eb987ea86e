/* Offline collection (/collect/): the worklist cached, entries encrypted at rest in IndexedDB,
   synced when the network and a signed-in session are back (README "Offline collection").

   Encryption: AES-GCM (256 bits) under a key derived from the staff member's PIN by PBKDF2
   (SHA-256) through WebCrypto. The key is not extractable and lives only in this page's memory;
   IndexedDB holds the salt, a check value (to tell a wrong PIN) and, per entry, its random
   idempotency key, IV and ciphertext — no name, no ID number, no signature in clear. */
(function () {
  "use strict";
  const app = document.getElementById("collect-app");
  if (!app) return;
  const ITERATIONS = 210000;
  const CHECK = "laurel-collect";
  const CACHE = app.dataset.cache;
  const DB_NAME = "laurel-collect-" + app.dataset.user;
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const $ = function (id) { return document.getElementById(id); };
  const texts = {};
  document.querySelectorAll("#collect-texts [data-text]").forEach(function (li) {
    texts[li.dataset.text] = li.dataset.value;
  });
  function text(name, values) {
    return (texts[name] || name).replace(/\{(\w+)\}/g, function (match, k) {
      return values && k in values ? String(values[k]) : match;
    });
  }
  function say(message) { $("collect-message").textContent = message; }

  let key = null; // the CryptoKey: memory only, gone with the page or "Lock"
  let worklist = null;
  const pad = window.LaurelSignaturePad($("signature"));

  // --- IndexedDB -------------------------------------------------------------------------
  function openDb() {
    return new Promise(function (resolve, reject) {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore("meta", { keyPath: "name" });
        request.result.createObjectStore("entries", { keyPath: "id" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function inStore(name, mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        const transaction = db.transaction(name, mode);
        const request = work(transaction.objectStore(name));
        transaction.oncomplete = function () { db.close(); resolve(request ? request.result : undefined); };
        transaction.onerror = function () { db.close(); reject(transaction.error); };
      });
    });
  }

  // --- WebCrypto -------------------------------------------------------------------------
  async function derive(pin, salt, iterations) {
    const material = await crypto.subtle.importKey("raw", enc.encode(pin), "PBKDF2", false, ["deriveKey"]);
    return crypto.subtle.deriveKey(
      { name: "PBKDF2", salt: salt, iterations: iterations, hash: "SHA-256" },
      material,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"]
    );
  }
  async function seal(withKey, value) {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv: iv }, withKey, enc.encode(JSON.stringify(value)));
    return { iv: iv, ct: new Uint8Array(ct) };
  }
  async function unseal(withKey, sealed) {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.iv }, withKey, sealed.ct);
    return JSON.parse(dec.decode(plain));
  }

  // --- State on screen -------------------------------------------------------------------
  function showNetwork() {
    const state = $("net-state");
    state.textContent = navigator.onLine ? text("online") : text("offline");
    state.className = "net-state " + (navigator.onLine ? "online" : "offline");
  }
  async function showPending() {
    const count = await inStore("entries", "readonly", function (store) { return store.count(); });
    $("pending-count").textContent = String(count);
    return count;
  }
  function showLocked(locked) {
    $("unlock").hidden = !locked;
    $("record").hidden = locked;
  }

  // --- Unlock ----------------------------------------------------------------------------
  async function unlock(event) {
    event.preventDefault();
    const pin = $("pin").value;
    if (pin.length < 6) { say(text("pin-short")); return; }
    const meta = await inStore("meta", "readonly", function (store) { return store.get("key"); });
    let candidate;
    if (!meta) {
      const salt = crypto.getRandomValues(new Uint8Array(16));
      candidate = await derive(pin, salt, ITERATIONS);
      const check = await seal(candidate, CHECK);
      await inStore("meta", "readwrite", function (store) {
        return store.put({ name: "key", salt: salt, iterations: ITERATIONS, iv: check.iv, ct: check.ct });
      });
    } else {
      candidate = await derive(pin, meta.salt, meta.iterations);
      try {
        if ((await unseal(candidate, meta)) !== CHECK) throw new Error("check");
      } catch (e) {
        say(text("pin-wrong"));
        return;
      }
    }
    key = candidate;
    $("pin").value = "";
    showLocked(false);
    say(text("unlocked"));
    await loadWorklist();
    if (navigator.onLine && (await showPending()) > 0) await sync();
  }
  function lock() {
    key = null;
    showLocked(true);
    say(text("locked"));
  }

  // --- Worklist --------------------------------------------------------------------------
  function worklistUrl() {
    return app.dataset.worklist + "?point=" + encodeURIComponent($("point").value);
  }
  async function loadWorklist() {
    const url = worklistUrl();
    let data = null;
    let cached = false;
    if (navigator.onLine) {
      try {
        const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
        const type = response.headers.get("Content-Type") || "";
        if (response.ok && type.indexOf("json") >= 0) {
          const cache = await caches.open(CACHE);
          await cache.put(url, response.clone());
          data = await response.json();
        }
      } catch (e) { /* offline after all: the cached copy below */ }
    }
    if (!data) {
      const hit = await caches.match(url);
      if (hit) { data = await hit.json(); cached = true; }
    }
    worklist = data;
    const select = $("person");
    while (select.options.length > 1) select.remove(1);
    if (!data) { $("worklist-state").textContent = text("worklist-none"); choosePerson(); return; }
    data.people.forEach(function (person) {
      const option = document.createElement("option");
      option.value = String(person.id);
      option.textContent = person.name + "（" + person.id_number_masked + "）";
      select.appendChild(option);
    });
    const when = new Date(data.fetched_at).toLocaleString();
    $("worklist-state").textContent = text(cached ? "worklist-cached" : "worklist", { count: data.people.length, when: when });
    choosePerson();
  }
  function person() {
    const id = $("person").value;
    if (!id || !worklist) return null;
    return worklist.people.find(function (p) { return String(p.id) === id; }) || null;
  }
  function choosePerson() {
    const chosen = person();
    $("new-person").hidden = chosen !== null;
    $("phone").value = chosen ? chosen.phone : "";
    $("hukou").value = chosen ? chosen.hukou_address : "";
    $("employment").value = chosen ? chosen.employment : "";
  }

  // --- Recording -------------------------------------------------------------------------
  async function save(event) {
    event.preventDefault();
    if (!key) { say(text("need-unlock")); return; }
    const chosen = person();
    const entry = {
      key: crypto.randomUUID(),
      point: $("point").value,
      collected_at: new Date().toISOString(),
      subject: chosen ? chosen.id : null,
      version: chosen ? chosen.version : null,
      name: "",
      id_number: "",
      category: "",
      phone: $("phone").value.trim(),
      hukou_address: $("hukou").value.trim(),
      employment: $("employment").value,
      signature: "",
    };
    if (!chosen) {
      entry.name = $("new-name").value.trim();
      entry.id_number = $("new-id").value.trim();
      entry.category = $("new-category").value;
      if (!entry.name || !entry.id_number) { say(text("need-new")); return; }
    }
    if (pad.isEmpty()) { say(text("need-signature")); return; }
    entry.signature = pad.toDataURL();
    const sealed = await seal(key, entry);
    await inStore("entries", "readwrite", function (store) {
      return store.put({ id: entry.key, iv: sealed.iv, ct: sealed.ct });
    });
    $("entry-form").reset();
    $("person").value = "";
    choosePerson();
    pad.clear();
    await showPending();
    say(text("saved"));
  }

  // --- Sync ------------------------------------------------------------------------------
  function sessionEnded() {
    say(text("session"));
    const link = document.createElement("a");
    link.href = app.dataset.login;
    link.id = "sign-in-again";
    link.textContent = " " + text("sign-in");
    $("collect-message").appendChild(link);
  }
  function problemsOf(body) {
    const found = [];
    (function walk(value) {
      if (typeof value === "string") found.push(value);
      else if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === "object") Object.keys(value).forEach(function (k) { walk(value[k]); });
    })(body);
    return found;
  }
  let syncing = false;
  async function sync() {
    if (!key) { say(text("need-unlock")); return; }
    if (syncing) return;
    syncing = true;
    const problems = $("sync-problems");
    problems.textContent = "";
    try {
      const stored = await inStore("entries", "readonly", function (store) { return store.getAll(); });
      if (!stored.length) { say(text("nothing")); return; }
      let session;
      try {
        const response = await fetch(app.dataset.session, { credentials: "same-origin", cache: "no-store" });
        if (response.status === 401) { sessionEnded(); return; }
        session = await response.json();
      } catch (e) { say(text("failed")); return; }
      const entries = [];
      for (const sealed of stored) entries.push(await unseal(key, sealed));
      let response;
      try {
        response = await fetch(app.dataset.sync, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": session.csrf },
          body: JSON.stringify({ entries: entries }),
        });
      } catch (e) { say(text("failed")); return; }
      if (response.status === 401) { sessionEnded(); return; }
      if (response.status === 400 || response.status === 403 || response.status === 404) {
        let body = {};
        try { body = await response.json(); } catch (e) { /* not JSON */ }
        say(text("refused"));
        problemsOf(body).forEach(function (message) {
          const item = document.createElement("li");
          item.textContent = message;
          problems.appendChild(item);
        });
        return;
      }
      if (!response.ok) { say(text("failed")); return; }
      const body = await response.json();
      const counts = { applied: 0, duplicate: 0, conflict: 0, rejected: 0 };
      for (const outcome of body.results) {
        counts[outcome.result] = (counts[outcome.result] || 0) + 1;
        await inStore("entries", "readwrite", function (store) { return store.delete(outcome.key); });
      }
      await showPending();
      say(text("synced", counts));
      await loadWorklist(); // the register's new versions
    } finally {
      syncing = false;
    }
  }

  // --- Wiring ----------------------------------------------------------------------------
  if (!window.crypto || !crypto.subtle || !window.indexedDB) {
    say(text("no-crypto"));
    $("unlock").hidden = true;
    return;
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(app.dataset.sw, { scope: app.dataset.scope }).catch(function () {
      /* the page still works online; offline it needs the worker */
    });
  }
  $("unlock-form").addEventListener("submit", unlock);
  $("entry-form").addEventListener("submit", save);
  $("person").addEventListener("change", choosePerson);
  $("point").addEventListener("change", loadWorklist);
  $("load-worklist").addEventListener("click", loadWorklist);
  $("clear-signature").addEventListener("click", function () { pad.clear(); });
  $("sync-button").addEventListener("click", sync);
  $("lock-button").addEventListener("click", lock);
  window.addEventListener("online", function () { showNetwork(); if (key) sync(); });
  window.addEventListener("offline", showNetwork);
  showNetwork();
  showLocked(true);
  showPending();
})();
