// ISO/IEC 18013-5 mdoc checked with @auth0/mdl 3.0.1: the holder's device builds a
// DeviceResponse for the requested elements, signed with its device key over a session
// transcript (usingSessionTranscriptBytes: the library's OID4VP helper follows an old
// draft), and the Verifier checks it against the exported IACA root: certificate chain,
// issuer signature, value digests, device signature, validity.
//
// Job: {mdoc_b64, iaca_root_pem, device_private_jwk, elements: [names], transcript_b64,
//       verify_transcript_b64?}
// or, for a DeviceResponse a wallet made with its own device key: encoded_response_b64 in
// place of device_private_jwk (the response is then checked as given).
import { DataItem, DeviceResponse, Verifier, parse } from "@auth0/mdl";
import { cborEncode } from "@auth0/mdl/lib/cbor/index.js";
import { runChecker } from "./harness.mjs";

const NAMESPACE = "org.iso.18013.5.1";

function transcriptBytes(b64) {
  // The session transcript is any CBOR array, as a tag-24 data item (ISO 18013-5 9.1.5.1).
  return cborEncode(DataItem.fromData(["elicence-test", Buffer.from(b64, "base64").toString("hex")]));
}

runChecker(async (job) => {
  const issued = parse(Buffer.from(job.mdoc_b64, "base64url"));
  const definition = {
    id: "elicence-check",
    input_descriptors: [{
      id: "org.iso.18013.5.1.mDL",
      format: { mso_mdoc: { alg: ["ES256"] } },
      constraints: {
        limit_disclosure: "required",
        fields: job.elements.map((name) => ({ path: [`$['${NAMESPACE}']['${name}']`], intent_to_retain: false })),
      },
    }],
  };
  const encoded = job.encoded_response_b64
    ? Buffer.from(job.encoded_response_b64, "base64url")
    : (await DeviceResponse.from(issued)
      .usingPresentationDefinition(definition)
      .usingSessionTranscriptBytes(transcriptBytes(job.transcript_b64))
      .authenticateWithSignature(job.device_private_jwk, "ES256")
      .sign()).encode();
  const verified = await new Verifier([job.iaca_root_pem]).verify(encoded, {
    encodedSessionTranscript: transcriptBytes(job.verify_transcript_b64 || job.transcript_b64),
  });
  const document = verified.documents[0];
  const disclosed = Object.fromEntries(document.issuerSigned.nameSpaces[NAMESPACE]
    .map((item) => [item.elementIdentifier, item.elementValue]));
  // CBOR maps decode as Map: print them as objects, dates as ISO strings.
  const plain = JSON.parse(JSON.stringify(disclosed, (key, value) => (value instanceof Map ? Object.fromEntries(value) : value)));
  return { docType: document.docType, disclosed: plain,
    response_b64: Buffer.from(encoded).toString("base64url") };
});
