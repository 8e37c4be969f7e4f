// Shared by the checkers: read one JSON job from stdin, run the library's verification,
// print one JSON line {accepted, error?, ...}. Exit 0 when the library accepted, 1 when it
// rejected, 2 when the job itself was malformed (a harness bug, not a verdict).
import { readFileSync } from "node:fs";

export async function runChecker(check) {
  let job;
  try {
    job = JSON.parse(readFileSync(0, "utf-8"));
  } catch (err) {
    process.stdout.write(JSON.stringify({ accepted: false, error: `bad job: ${err.message}` }) + "\n");
    process.exit(2);
  }
  try {
    const result = await check(job);
    process.stdout.write(JSON.stringify({ accepted: true, ...result }) + "\n");
    process.exit(0);
  } catch (err) {
    process.stdout.write(JSON.stringify({ accepted: false, error: String(err && err.message || err) }) + "\n");
    process.exit(1);
  }
}

export function keyByKid(jwks, kid) {
  const key = jwks.keys.find((k) => k.kid === kid);
  if (!key) {
    throw new Error(`no key with kid ${kid} in the JWKS`);
  }
  return key;
}

export function base64urlJson(part) {
  return JSON.parse(Buffer.from(part, "base64url").toString("utf-8"));
}
