// Counter challenges (verifier/challenges.py): the counter shows 6 characters of Crockford's
// base32 alphabet (no I, L, O, U) and a QR code of "ELCH:" + them; the wallet signs their
// 30-bit value, as 4 bytes big-endian, into the live code. Typing is forgiving: any case,
// spaces and dashes ignored, I/L read as 1 and O as 0.

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const TYPED = { I: 1, L: 1, O: 0 };
export const QR_PREFIX = "ELCH:";
export const CHALLENGE_CHARS = 6;

/** The 4 challenge bytes of typed or scanned text; null if it is not a challenge. */
export function parseChallenge(text) {
  let cleaned = String(text).trim().toUpperCase();
  if (cleaned.startsWith(QR_PREFIX)) cleaned = cleaned.slice(QR_PREFIX.length);
  cleaned = cleaned.replace(/[\s-]/g, "");
  if (cleaned.length !== CHALLENGE_CHARS) return null;
  let value = 0;
  for (const c of cleaned) {
    const digit = c in TYPED ? TYPED[c] : ALPHABET.indexOf(c);
    if (digit < 0) return null;
    value = value * 32 + digit;
  }
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value);
  return bytes;
}

/** The 6 characters the counter shows for challenge bytes (for display). */
export function challengeText(bytes) {
  let value = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
  let text = "";
  for (let i = 0; i < CHALLENGE_CHARS; i++) {
    text = ALPHABET[value % 32] + text;
    value = Math.floor(value / 32);
  }
  return text;
}
