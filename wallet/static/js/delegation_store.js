// The wallet's delegations, in an IndexedDB database of their own (the licences' database
// keeps its version): "given" — the ones this wallet signed as holder (the signed map and
// signature a revocation sends); "received" — the licence copies and delegations other
// holders handed this wallet as their agent.

import { database } from "./store.js";

const { tx } = database("elicence-delegations", 1, ["given", "received"]);

const storeOf = (name) => ({
  all: () => tx(name, "readonly", (s) => s.getAll()),
  get: (id) => tx(name, "readonly", (s) => s.get(id)),
  put: (record) => tx(name, "readwrite", (s) => s.put(record)),
  remove: (id) => tx(name, "readwrite", (s) => s.delete(id)),
});

export const given = storeOf("given");
export const received = storeOf("received");
