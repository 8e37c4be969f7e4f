// SD-JWT VC checked with @sd-jwt/sd-jwt-vc 0.19.0: the holder presents the chosen
// disclosures with a key-binding JWT (nonce, audience) signed by its device key, and the
// verifier checks the issuer signature against the exported JWKS (kid = key number), the
// disclosures, the key binding (nonce, sd_hash, cnf key) and the audience.
//
// Job: {sd_jwt, jwks, holder_private_jwk, disclose: [names], nonce, audience,
//       verify_nonce?, verify_audience?, now?}
// or, for a presentation a wallet made (its device key never leaves it):
//      {sd_jwt, presented, jwks, disclose, nonce, audience, verify_nonce?, verify_audience?}
import { SDJwtVcInstance } from "@sd-jwt/sd-jwt-vc";
import { ES256, digest, generateSalt } from "@sd-jwt/crypto-nodejs";
import { base64urlJson, keyByKid, runChecker } from "./harness.mjs";

runChecker(async (job) => {
  const header = base64urlJson(job.sd_jwt.split(".")[0]);
  if (header.typ !== "dc+sd-jwt") {
    throw new Error(`header typ is ${header.typ}, not dc+sd-jwt`);
  }
  const issuerKey = keyByKid(job.jwks, header.kid);
  const sdjwt = new SDJwtVcInstance({
    hasher: digest,
    hashAlg: "sha-256",
    saltGenerator: generateSalt,
    signAlg: ES256.alg,
    verifier: await ES256.getVerifier(issuerKey),
    ...(job.presented ? {} : { kbSigner: await ES256.getSigner(job.holder_private_jwk) }),
    kbSignAlg: ES256.alg,
    // The key-binding JWT must be signed by the key the issuer put in cnf.
    kbVerifier: async (data, signature, payload) => {
      if (!payload.cnf || !payload.cnf.jwk) {
        throw new Error("the credential has no cnf key to bind to");
      }
      return (await ES256.getVerifier(payload.cnf.jwk))(data, signature);
    },
  });
  const frame = Object.fromEntries(job.disclose.map((name) => [name, true]));
  const now = job.now || Math.floor(Date.now() / 1000);
  const presented = job.presented || await sdjwt.present(job.sd_jwt, frame, {
    kb: { payload: { iat: now, aud: job.audience, nonce: job.nonce } },
  });
  const verified = await sdjwt.verify(presented, {
    keyBindingNonce: job.verify_nonce || job.nonce,
    requiredClaimKeys: job.disclose,
  });
  const audience = job.verify_audience || job.audience;
  if (!verified.kb || verified.kb.payload.aud !== audience) {
    throw new Error(`key binding is for audience ${verified.kb && verified.kb.payload.aud}, not ${audience}`);
  }
  const claims = await sdjwt.getClaims(presented);
  const disclosed = Object.fromEntries(job.disclose.map((name) => [name, claims[name]]));
  return { vct: verified.payload.vct, status: verified.payload.status, disclosed, kid: header.kid };
});
