// IndexedDB: licences (the bound CBOR plus what the cards show) and the device key
// (a non-extractable CryptoKey pair: IndexedDB stores it without exposing the private key).

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

// One IndexedDB database: `stores` (each keyed by "id") are made on first open; `tx` runs
// one request in a transaction and resolves once the transaction has committed.
export function database(name, version, stores) {
  let opened = null;
  const open = () => {
    if (!opened) {
      const req = indexedDB.open(name, version);
      req.onupgradeneeded = () => {
        for (const store of stores) req.result.createObjectStore(store, { keyPath: "id" });
      };
      opened = request(req);
    }
    return opened;
  };
  async function tx(store, mode, work) {
    const db = await open();
    const transaction = db.transaction(store, mode);
    const result = await request(work(transaction.objectStore(store)));
    await new Promise((resolve, reject) => {
      transaction.oncomplete = resolve;
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
    return result;
  }
  return { tx };
}

const { tx } = database("elicence-wallet", 1, ["licences", "keys"]);

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
