// Test harness: encodes each stdin JSON text with the wallet's QR encoder and prints the
// modules as rows of 0/1, so Python can decode the symbol with an independent reader.
import { encodeQr } from "../../../wallet/static/js/qr.js";

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const texts = JSON.parse(Buffer.concat(chunks).toString("utf8"));
process.stdout.write(JSON.stringify(texts.map((t) => {
  const qr = encodeQr(t);
  return { version: qr.version, mask: qr.mask,
    rows: qr.modules.map((row) => row.map((d) => (d ? "1" : "0")).join("")) };
})));
