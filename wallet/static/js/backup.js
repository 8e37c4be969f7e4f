// Passphrase-encrypted backups of the licences (not of the device key, which cannot leave
// the browser): PBKDF2-SHA-256 → AES-256-GCM, all in WebCrypto. Format in docs/wallet.md.

import { b64url, isB64url, unb64url } from "./format.js";

const subtle = globalThis.crypto.subtle;
export const BACKUP_FORMAT = "elicence-wallet-backup";
const ITERATIONS = 600000; // OWASP 2023 figure for PBKDF2-HMAC-SHA256
export const MIN_PASSPHRASE = 8;

/** The file is not a backup this wallet can read, or the passphrase does not open it. */
export class BackupError extends Error {
  constructor() {
    super("backup_invalid");
  }
}

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

/** Decrypts a backup file's text into its licence records; BackupError when the file is
 * not a version 1 backup, the passphrase is wrong or the file was altered. */
export async function decryptBackup(text, passphrase) {
  const file = parseJson(text);
  if (!isBackupFile(file)) throw new BackupError();
  const key = await aesKey(passphrase, unb64url(file.kdf.salt), file.kdf.iterations);
  let plain;
  try {
    plain = await subtle.decrypt({ name: "AES-GCM", iv: unb64url(file.cipher.iv) }, key,
      unb64url(file.data));
  } catch (e) {
    // AES-GCM's one refusal (OperationError): wrong passphrase, or the file was altered.
    if (e instanceof DOMException) throw new BackupError();
    throw e;
  }
  const content = parseJson(new TextDecoder().decode(plain));
  const records = content?.licences;
  if (!Array.isArray(records)
    || !records.every((r) => typeof r?.id === "string" && isB64url(r.cbor))) {
    throw new BackupError();
  }
  return records;
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch (e) {
    if (e instanceof SyntaxError) throw new BackupError();
    throw e;
  }
}

function isBackupFile(file) {
  const iterations = file?.kdf?.iterations;
  return file?.format === BACKUP_FORMAT && file.version === 1
    && Number.isInteger(iterations) && iterations >= 100000 && iterations <= 10000000
    && isB64url(file.kdf.salt) && isB64url(file.cipher?.iv) && isB64url(file.data);
}
