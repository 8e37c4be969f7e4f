// IndexedDB: licences (the bound CBOR plus what the cards show) and the device key
// (a non-extractable CryptoKey pair: IndexedDB stores it without exposing the private key).

const DB_NAME = "elicence-wallet";
const VERSION = 1;

let opened = null;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export function openDb() {
  if (!opened) {
    const req = indexedDB.open(DB_NAME, VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      db.createObjectStore("licences", { keyPath: "id" });
      db.createObjectStore("keys", { keyPath: "id" });
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

export const licences = {
  all: () => tx("licences", "readonly", (s) => s.getAll()),
  get: (id) => tx("licences", "readonly", (s) => s.get(id)),
  put: (record) => tx("licences", "readwrite", (s) => s.put(record)),
  remove: (id) => tx("licences", "readwrite", (s) => s.delete(id)),
};

export const keys = {
  get: (id) => tx("keys", "readonly", (s) => s.get(id)),
  put: (record) => tx("keys", "readwrite", (s) => s.put(record)),
};
