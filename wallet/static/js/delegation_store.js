// The wallet's delegations, in an IndexedDB database of their own (the licences' database
// keeps its version): "given" — the ones this wallet signed as holder (the signed map and
// signature a revocation sends); "received" — the licence copies and delegations other
// holders handed this wallet as their agent.

const DB_NAME = "elicence-delegations";
const VERSION = 1;
let opened = null;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function openDb() {
  if (!opened) {
    const req = indexedDB.open(DB_NAME, VERSION);
    req.onupgradeneeded = () => {
      req.result.createObjectStore("given", { keyPath: "id" });
      req.result.createObjectStore("received", { keyPath: "id" });
    };
    opened = request(req);
  }
  return opened;
}

async function tx(store, mode, work) {
  const db = await openDb();
  const transaction = db.transaction(store, mode);
  const result = await request(work(transaction.objectStore(store)));
  await new Promise((resolve, reject) => {
    transaction.oncomplete = resolve;
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
  return result;
}

const storeOf = (name) => ({
  all: () => tx(name, "readonly", (s) => s.getAll()),
  get: (id) => tx(name, "readonly", (s) => s.get(id)),
  put: (record) => tx(name, "readwrite", (s) => s.put(record)),
  remove: (id) => tx(name, "readwrite", (s) => s.delete(id)),
});

export const given = storeOf("given");
export const received = storeOf("received");
