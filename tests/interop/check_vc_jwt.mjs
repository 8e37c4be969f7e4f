// W3C VC 2.0 as vc+jwt checked with npm jose 6: the compact JWS against the exported JWKS
// (kid = key number), typ vc+jwt, ES256 only, and the credential's own dates.
//
// Job: {vc_jwt, jwks}
import { createLocalJWKSet, jwtVerify } from "jose";
import { runChecker } from "./harness.mjs";

runChecker(async (job) => {
  const { payload, protectedHeader } = await jwtVerify(job.vc_jwt, createLocalJWKSet(job.jwks), {
    typ: "vc+jwt",
    algorithms: ["ES256"],
  });
  if (!Array.isArray(payload["@context"]) || payload["@context"][0] !== "https://www.w3.org/ns/credentials/v2") {
    throw new Error("not a VC 2.0 credential: the first @context is not the W3C v2 context");
  }
  const now = Date.now();
  if (now < Date.parse(payload.validFrom) || now > Date.parse(payload.validUntil)) {
    throw new Error("the credential is outside its validFrom..validUntil");
  }
  return { kid: protectedHeader.kid, type: payload.type, subject: payload.credentialSubject,
    status: payload.credentialStatus };
});
