// The caseload's first paint, before the app's code has loaded (issue #19).
// Inlined into the shell's <head> (hooks.server.ts; its hash is in the CSP,
// vite.config.ts), so it may import nothing. On '/' it opens what the caseload
// page stored the last time it showed its list in the order a load starts in
// (src/lib/ui/first-paint.ts): that screen's HTML, sealed with the device key
// (DESIGN §13), and shows it, inert, until the app has the list itself.
// Shown only when the app itself would show the caseload from this device:
// a worker signed in here (the app's own cache of who), no logout pending, the
// data key kept and its lease running; and only when it is still what the
// app will show: no write to the family rows since (the caseload copy's
// fence, which every write and every purge moves), before the end of the
// Copenhagen day and before any consent or grant on it runs out (the app
// says until when), the same language and build of the app. Anything else,
// and the app paints as before.
(function () {
  if (location.pathname !== '/' || !window.indexedDB || !window.crypto || !crypto.subtle) return;
  /** @type {{ id: string, role: string } | null} */
  var me;
  try {
    if (localStorage.getItem('fp-logout-pending')) return;
    me = JSON.parse(localStorage.getItem('fp-me') || 'null');
  } catch (e) {
    return;
  }
  if (!me || me.role !== 'worker' || typeof me.id !== 'string') return;
  var userId = me.id;
  var locale = localStorage.getItem('locale');
  /** @param {string} name @returns {Promise<IDBDatabase>} */
  function open(name) {
    return new Promise(function (resolve, reject) {
      var r = indexedDB.open(name);
      // Not there: nothing is created here.
      r.onupgradeneeded = function () {
        if (r.transaction) r.transaction.abort();
      };
      r.onsuccess = function () {
        resolve(r.result);
      };
      r.onerror = function () {
        reject(r.error);
      };
    });
  }
  /** @param {string} name @param {string} store @param {string[]} keys @returns {Promise<any[]>} */
  function read(name, store, keys) {
    return open(name).then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, 'readonly');
        var os = tx.objectStore(store);
        var reqs = keys.map(function (/** @type {string} */ k) {
          return os.get(k);
        });
        tx.oncomplete = function () {
          db.close();
          resolve(
            reqs.map(function (/** @type {IDBRequest} */ r) {
              return r.result;
            })
          );
        };
        tx.onerror = tx.onabort = function () {
          db.close();
          reject(tx.error);
        };
      });
    });
  }
  // As sealed-rows.ts sameBytes, which this script cannot import.
  /** @param {Uint8Array | undefined} a @param {Uint8Array | undefined} b */
  function same(a, b) {
    if (!a || !b || a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  var build = document.querySelector('meta[name="fp-build"]');
  // Whether the kept screen was shown (for the tests).
  /** @type {any} */ (window).__firstPaint = Promise.all([read('fp-keys', 'keys', [userId]), read('fp-index-' + userId, 'bundles', ['caseload-view', 'caseload-fence'])])
    .then(function (got) {
      var key = got[0][0];
      var view = got[1][0];
      var fence = got[1][1];
      if (!key || !key.unlocked || !key.until || !(Date.parse(key.until) > Date.now())) return false;
      if (!view || !fence || !same(view.fence, fence.s)) return false;
      var s = view.s;
      if (!s || s[0] !== 1 || s.byteLength < 29) return false;
      var context = new TextEncoder().encode('fp-first-paint:caseload');
      return crypto.subtle.decrypt({ name: 'AES-GCM', iv: s.subarray(1, 13), additionalData: context }, key.unlocked, s.subarray(13)).then(function (plain) {
        var v = JSON.parse(new TextDecoder().decode(plain));
        var now = Date.now();
        if (v.userId !== userId || !(v.from <= now && now < v.until) || v.locale !== locale || !build || v.build !== build.getAttribute('content')) return false;
        var host = document.getElementById('first-paint');
        // The app got there first (it removes the host), or has moved on to another page: nothing to do.
        if (!host || !host.hidden || location.pathname !== '/') return false;
        host.innerHTML = v.html;
        host.hidden = false;
        // The app never took over (its code failed to load): the page behind is shown, whatever it is.
        var shown = host;
        setTimeout(function () {
          shown.remove();
        }, 15000);
        return true;
      });
    })
    .catch(function () {
      return false;
    });
})();
