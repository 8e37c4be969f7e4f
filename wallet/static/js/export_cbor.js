// CBOR as ISO/IEC 18013-5 mdoc uses it: tags (24 for embedded CBOR, 1004 and 0 for dates),
// maps with text or integer keys kept in their order. Reading is cbor.js's reader with
// mdoc's rules (tags kept; no floats, no integers past 2^53, no doubled map keys); the
// encoder writes maps in the order given, where the licence format's sorts them.

import { cborReader, head, Tagged } from "./cbor.js";
import { FormatError, concat } from "./format.js";

export { Tagged };

const utf8 = new TextEncoder();

/** Bytes that are already CBOR, written as they are (a signed structure must not change). */
export class Raw {
  constructor(bytes) {
    this.bytes = bytes;
  }
}

export function encode(value) {
  if (value === null) return Uint8Array.of(0xf6);
  if (value === false) return Uint8Array.of(0xf4);
  if (value === true) return Uint8Array.of(0xf5);
  if (value instanceof Raw) return value.bytes;
  if (value instanceof Tagged) return concat(head(6, value.tag), encode(value.value));
  if (typeof value === "number" && Number.isSafeInteger(value) && Math.abs(value) < 2 ** 32) {
    return value >= 0 ? head(0, value) : head(1, -1 - value);
  }
  if (typeof value === "string") {
    const b = utf8.encode(value);
    return concat(head(3, b.length), b);
  }
  if (value instanceof Uint8Array) return concat(head(2, value.length), value);
  if (Array.isArray(value)) return concat(head(4, value.length), ...value.map(encode));
  if (value instanceof Map) {
    return concat(head(5, value.size), ...[...value].flatMap(([k, v]) => [encode(k), encode(v)]));
  }
  throw new FormatError("mdoc CBOR: unsupported value", "mdoc_invalid");
}

/** How mdoc exports are read (cbor.js): tags kept; no floats and no integers past 2^53 (no
 * mdoc element here has one); a doubled map key refused, so that no two readers of one
 * signed structure can see different values in it (decision 0294). */
export const MDOC_CBOR_RULES = Object.freeze({
  bigIntegers: "refuse", floats: "refuse", tags: "keep", duplicateKeys: "refuse", maxDepth: 16,
});

/** One mdoc CBOR item filling `bytes`; FormatError mdoc_invalid otherwise. */
export const decode = cborReader({ ...MDOC_CBOR_RULES,
  refuse: () => new FormatError("The mdoc is not valid CBOR.", "mdoc_invalid") });

/** The CBOR inside a tag-24 item (embedded CBOR, ISO 18013-5 "#6.24(bstr .cbor ...)"). */
export function embedded(value) {
  if (!(value instanceof Tagged) || value.tag !== 24 || !(value.value instanceof Uint8Array)) {
    throw new FormatError("The mdoc lacks an embedded CBOR item where one is needed.", "mdoc_invalid");
  }
  return decode(value.value);
}
