// Test harness: evaluates the schema's date rules with the wallet's predicates.js for each
// case on stdin ({cases: [{type, claims: {name: value, dates as days}, day}]}) and prints
// [{name: value}] — the predicates the wallet would expect a copy signed that day to carry.
// tests/wallet/test_predicates_js.py compares them with the issuer's (licence/predicates.py).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { predicateOn, predicatesOf } from "../../../wallet/static/js/predicates.js";

const SCHEMAS = join(fileURLToPath(new URL("../../../", import.meta.url)), "licence", "schemas");
const schemaOf = (type) => JSON.parse(readFileSync(join(SCHEMAS, `${type}.json`), "utf8"));

const { cases } = JSON.parse(readFileSync(0, "utf8"));
const out = cases.map(({ type, claims, day }) => {
  const values = {};
  for (const spec of predicatesOf(schemaOf(type))) {
    const value = predicateOn(spec.derived, (name) => claims[name], day);
    if (value !== undefined) values[spec.name] = value;
  }
  return values;
});
process.stdout.write(JSON.stringify(out));
