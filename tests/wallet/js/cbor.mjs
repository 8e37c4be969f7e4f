// Test harness: runs every input of tests/wallet/cbor_reader_cases.json through the wallet's
// CBOR reader (wallet/static/js/cbor.js), once as each caller does (format.js cborDecode,
// export_cbor.js decode: value or error message and reason) and once with the caller's rules
// and a `refuse` that reports the reader's problem code. Prints JSON for
// tests/wallet/test_cbor_js.py.
import { readFileSync } from "node:fs";
import { cborReader, PROBLEMS, Tagged } from "../../../wallet/static/js/cbor.js";
import { MDOC_CBOR_RULES, decode as mdocDecode } from "../../../wallet/static/js/export_cbor.js";
import { cborDecode, FormatError, LICENCE_CBOR_RULES } from "../../../wallet/static/js/format.js";

const table = JSON.parse(readFileSync(new URL("../cbor_reader_cases.json", import.meta.url), "utf8"));

/** Diagnostic notation (RFC 8949 §8), with n after a BigInt so its JS type shows. */
function show(v) {
  if (v === null || typeof v === "boolean") return String(v);
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "string") return JSON.stringify(v);
  if (v instanceof Uint8Array) return `h'${Buffer.from(v).toString("hex")}'`;
  if (Array.isArray(v)) return `[${v.map(show).join(",")}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${show(k)}:${show(x)}`).join(",")}}`;
  if (v instanceof Tagged) return `${v.tag}(${show(v.value)})`;
  throw new Error(`the reader returned something outside its data model: ${v}`);
}

class Refusal extends Error {
  constructor(problem) {
    super(problem);
    this.problem = problem;
  }
}

const bytes = (hex) => Uint8Array.from(Buffer.from(hex, "hex"));
const refuse = (problem) => new Refusal(problem);

function asCaller(read, hex) {
  try {
    return { value: show(read(bytes(hex))) };
  } catch (e) {
    if (!(e instanceof FormatError)) throw e; // a crash fails the test run
    return { error: { message: e.message, reason: e.reason } };
  }
}

function asReader(rules, hex) {
  const read = cborReader({ ...rules, refuse });
  try {
    return { value: show(read(bytes(hex))) };
  } catch (e) {
    if (!(e instanceof Refusal)) throw e;
    return { refused: e.problem };
  }
}

const callers = { licence: [cborDecode, LICENCE_CBOR_RULES], mdoc: [mdocDecode, MDOC_CBOR_RULES] };
const cases = {};
for (const c of table.cases) {
  cases[c.name] = {};
  for (const [name, [read, rules]] of Object.entries(callers)) {
    cases[c.name][name] = { caller: asCaller(read, c.hex), reader: asReader(rules, c.hex) };
  }
}
const options = {};
for (const c of table.options) options[c.name] = asReader({ ...table.base_options, ...c.options }, c.hex);

// Options a caller gets wrong: each must be a TypeError naming the option, before any input.
const wrong = { floats: "maybe", bigIntegers: undefined, tags: "drop", duplicateKeys: "first",
  maxDepth: -1, refuse: "not a function" };
const badOptions = {};
for (const [name, value] of Object.entries(wrong)) {
  try {
    cborReader({ ...table.base_options, refuse, [name]: value });
    badOptions[name] = "accepted";
  } catch (e) {
    badOptions[name] = `${e.constructor.name}: ${e.message}`;
  }
}

process.stdout.write(JSON.stringify({ problems: PROBLEMS, cases, options, badOptions }));
