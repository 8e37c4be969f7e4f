// Signature suites (licence/_suites.py, docs/format.md §16): the algorithm in a licence's
// signed header chooses both the authority's signature and the hash behind every digest,
// Merkle node and salt of that licence.
//
//   ES256    COSE alg -7       ECDSA P-256 with SHA-256, in WebCrypto
//   SM2-SM3  COSE alg -65538   SM2 with SM3, user ID 1234567812345678, through npm
//                              sm-crypto-v2 (WebCrypto has neither)
//
// sm-crypto-v2's prebuilt browser bundle is copied to wallet/static/vendor by
// scripts/bootstrap and loaded by index.html as a classic script, which sets
// globalThis.SmCryptoV2 (Node tests load the same file). Device keys stay P-256 whatever
// the suite: only the authority's signature and the hashing change.

const subtle = globalThis.crypto.subtle;

export class SuiteError extends Error {
  constructor(message, reason) {
    super(message);
    this.reason = reason;
  }
}

// sm2p256v1 (GM/T 0003.5), as licence/_sm2.py has it.
const SM2_P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFFn;
const SM2_A = SM2_P - 3n;
const SM2_B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93n;
const SM2_N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123n;
export const SM2_USER_ID = "1234567812345678";

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const unhex = (text) => new Uint8Array(text.match(/../g).map((h) => parseInt(h, 16)));
const big = (bytes) => (bytes.length ? BigInt(`0x${hex(bytes)}`) : 0n);

function sm() {
  const lib = globalThis.SmCryptoV2;
  if (!lib) {
    throw new SuiteError("The SM2 library did not load; reload the wallet while online.",
      "algorithm_unsupported");
  }
  return lib;
}

function modPow(base, exp, mod) {
  let out = 1n;
  for (let b = base % mod, e = exp; e > 0n; e >>= 1n, b = b * b % mod) if (e & 1n) out = out * b % mod;
  return out;
}

/** A 33-byte compressed SM2 point → its 64-byte x||y as hex; null when it is no SM2 point. */
export function sm2Point(encoded) {
  if (!(encoded instanceof Uint8Array) || encoded.length !== 33 || ![2, 3].includes(encoded[0])) {
    return null;
  }
  const x = big(encoded.subarray(1));
  if (x >= SM2_P) return null;
  const rhs = (x * x * x + SM2_A * x + SM2_B) % SM2_P;
  let y = modPow(rhs, (SM2_P + 1n) / 4n, SM2_P); // P = 3 mod 4: the square root if any
  if (y * y % SM2_P !== rhs) return null;
  if (Number(y & 1n) !== encoded[0] - 2) y = SM2_P - y;
  return hex(encoded.subarray(1)) + y.toString(16).padStart(64, "0");
}

async function p256Key(encoded) {
  try {
    return await subtle.importKey("raw", encoded, { name: "ECDSA", namedCurve: "P-256" }, true,
      ["verify"]);
  } catch (e) {
    if (e instanceof DOMException) return null; // not a P-256 point
    throw e;
  }
}

const mismatch = (suite, other) => new SuiteError(`The licence says it is signed with `
  + `${suite.label}, but the key registered for it is an ${other.label} key: the licence is `
  + "forged or damaged.", "algorithm_mismatch");
const notAKey = () => new SuiteError("The registered key is neither a P-256 nor an SM2 point.",
  "key_invalid");

export const ES256 = Object.freeze({
  name: "es256", label: "ES256 on P-256 with SHA-256", alg: -7,
  async digest(bytes) {
    return new Uint8Array(await subtle.digest("SHA-256", bytes));
  },
  /** HMAC under one key for many messages (the salts of one licence). */
  async hmacWith(key) {
    const k = await subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false,
      ["sign"]);
    return async (message) => new Uint8Array(await subtle.sign("HMAC", k, message));
  },
  /** The registered 33 bytes as this suite's verifying key (refusing the other suite's). */
  async importKey(encoded) {
    const key = await p256Key(encoded);
    if (key) return key;
    throw sm2Point(encoded) ? mismatch(ES256, SM2_SM3) : notAKey();
  },
  async verify(key, signature, message) {
    return subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, message);
  },
});

export const SM2_SM3 = Object.freeze({
  name: "sm2", label: "SM2 with SM3", alg: -65538,
  async digest(bytes) {
    return unhex(sm().sm3(bytes));
  },
  async hmacWith(key) {
    const lib = sm();
    return async (message) => unhex(lib.sm3(message, { mode: "hmac", key }));
  },
  // SM2 keys are generated so their 33 bytes are no P-256 point (docs/decisions/0190): a
  // key that is one belongs to ES256, whatever else it might decode as.
  async importKey(encoded) {
    const point = sm2Point(encoded);
    if (point && !(await p256Key(encoded))) return `04${point}`;
    throw (await p256Key(encoded)) ? mismatch(SM2_SM3, ES256) : notAKey();
  },
  /** SM2 over SM3(Z_A ‖ message), signature r‖s, r and s in [1, n-1] as GM/T 0003 asks. */
  async verify(key, signature, message, userId = SM2_USER_ID) {
    if (signature.length !== 64) return false;
    const r = big(signature.subarray(0, 32));
    const s = big(signature.subarray(32));
    if (!(r > 0n && r < SM2_N && s > 0n && s < SM2_N)) return false;
    return sm().sm2.doVerifySignature(message, hex(signature), key,
      { der: false, hash: true, userId });
  },
});

export const SUITES = [ES256, SM2_SM3];

/** The suite of a signed header's COSE algorithm value; null for any other value. */
export function suiteOfAlg(alg) {
  return SUITES.find((s) => s.alg === alg) ?? null;
}
