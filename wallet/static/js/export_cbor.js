// CBOR as ISO/IEC 18013-5 mdoc uses it: tags (24 for embedded CBOR, 1004 and 0 for dates),
// maps with text or integer keys kept in their order. The licence decoder in format.js
// refuses tags on purpose (our format has none), so mdoc gets this small codec of its own.

import { FormatError, concat } from "./format.js";

const utf8 = new TextEncoder();

/** A tagged item: tag number and content. */
export class Tagged {
  constructor(tag, value) {
    this.tag = tag;
    this.value = value;
  }
}

/** Bytes that are already CBOR, written as they are (a signed structure must not change). */
export class Raw {
  constructor(bytes) {
    this.bytes = bytes;
  }
}

function head(major, n) {
  const m = major << 5;
  if (n < 24) return Uint8Array.of(m | n);
  if (n < 0x100) return Uint8Array.of(m | 24, n);
  if (n < 0x10000) return Uint8Array.of(m | 25, n >> 8, n & 0xff);
  const out = new Uint8Array(5);
  out[0] = m | 26;
  new DataView(out.buffer).setUint32(1, n);
  return out;
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

export function decode(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let pos = 0;
  const fail = () => {
    throw new FormatError("The mdoc is not valid CBOR.", "mdoc_invalid");
  };
  function item(depth) {
    if (pos >= bytes.length || depth > 16) fail();
    const first = bytes[pos++];
    const major = first >> 5;
    const info = first & 31;
    let n = info;
    if (info >= 28) fail();
    if (info >= 24) {
      const size = 1 << (info - 24);
      if (pos + size > bytes.length) fail();
      if (info === 24) n = bytes[pos];
      else if (info === 25) n = view.getUint16(pos);
      else if (info === 26) n = view.getUint32(pos);
      else if (major === 7) fail(); // a double: no mdoc element here is one
      else {
        const big = view.getBigUint64(pos);
        if (big > BigInt(Number.MAX_SAFE_INTEGER)) fail();
        n = Number(big);
      }
      pos += size;
    }
    switch (major) {
      case 0: return n;
      case 1: return -1 - n;
      case 2:
      case 3: {
        if (pos + n > bytes.length) fail();
        const b = bytes.slice(pos, pos + n);
        pos += n;
        if (major === 2) return b;
        try {
          return text.decode(b);
        } catch (e) {
          if (e instanceof TypeError) return fail();
          throw e;
        }
      }
      case 4:
        if (n > bytes.length - pos) fail();
        return Array.from({ length: n }, () => item(depth + 1));
      case 5: {
        if (2 * n > bytes.length - pos) fail();
        const m = new Map();
        for (let i = 0; i < n; i++) m.set(item(depth + 1), item(depth + 1));
        return m;
      }
      case 6: return new Tagged(n, item(depth + 1));
      default:
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        return fail();
    }
  }
  const value = item(0);
  if (pos !== bytes.length) fail();
  return value;
}

/** The CBOR inside a tag-24 item (embedded CBOR, ISO 18013-5 "#6.24(bstr .cbor ...)"). */
export function embedded(value) {
  if (!(value instanceof Tagged) || value.tag !== 24 || !(value.value instanceof Uint8Array)) {
    throw new FormatError("The mdoc lacks an embedded CBOR item where one is needed.", "mdoc_invalid");
  }
  return decode(value.value);
}
