// Passphrase-encrypted backups of the licences (not of the device key, which cannot leave
// the browser): PBKDF2-SHA-256 → AES-256-GCM, all in WebCrypto. Format in docs/wallet.md.

import { b64url, unb64url } from "./format.js";

const subtle = globalThis.crypto.subtle;
export const BACKUP_FORMAT = "elicence-wallet-backup";
const ITERATIONS = 600000; // OWASP 2023 figure for PBKDF2-HMAC-SHA256
export const MIN_PASSPHRASE = 8;

async function aesKey(passphrase, salt, iterations) {
  const base = await subtle.importKey("raw", new TextEncoder().encode(passphrase), "PBKDF2",
    false, ["deriveKey"]);
  return subtle.deriveKey({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, base,
    { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
}

/** Encrypts `records` (plain JSON-able objects) into the backup file's JSON text. */
export async function encryptBackup(records, passphrase, now) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await aesKey(passphrase, salt, ITERATIONS);
  const plain = new TextEncoder().encode(JSON.stringify({ created: now, licences: records }));
  const sealed = new Uint8Array(await subtle.encrypt({ name: "AES-GCM", iv }, key, plain));
  return JSON.stringify({
    format: BACKUP_FORMAT, version: 1,
    kdf: { name: "PBKDF2", hash: "SHA-256", iterations: ITERATIONS, salt: b64url(salt) },
    cipher: { name: "AES-GCM", iv: b64url(iv) }, data: b64url(sealed),
  });
}

/** Decrypts a backup file's text; throws Error("backup_invalid") on any mismatch. */
export async function decryptBackup(text, passphrase) {
  try {
    const file = JSON.parse(text);
    if (file.format !== BACKUP_FORMAT || file.version !== 1) throw new Error("format");
    const iterations = file.kdf.iterations;
    if (!(Number.isInteger(iterations) && iterations >= 100000 && iterations <= 10000000)) {
      throw new Error("kdf");
    }
    const key = await aesKey(passphrase, unb64url(file.kdf.salt), iterations);
    const plain = await subtle.decrypt({ name: "AES-GCM", iv: unb64url(file.cipher.iv) }, key,
      unb64url(file.data));
    return JSON.parse(new TextDecoder().decode(plain)).licences;
  } catch {
    throw new Error("backup_invalid");
  }
}
