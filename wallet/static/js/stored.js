// A licence stored in the wallet as the screens read it: its CBOR map, its schema, its
// claims by name, and whether it is bound to this wallet's device key.

import * as f from "./format.js";
import { boundHere } from "./device.js";
import { schemaFor } from "./schemas.js";

export function readRecord(record) {
  const lic = f.cborDecode(record.cbor);
  const schema = schemaFor(record.type);
  const claims = lic.get(f.K.claims);
  const byName = new Map(schema.claims.map((c) => [c.name, c]));
  const value = (name) => claims.get(byName.get(name)?.key);
  return { lic, schema, claims, value, boundHere: boundHere(lic.get(f.K.device),
    f.suiteOfLicence(lic)) };
}

/** The holder's name (a company's name for a licence that has one), family name first
 * when written in Chinese characters. */
export function holderName(d) {
  const company = d.value("company_name");
  if (company !== undefined) return company;
  const family = d.value("family_name") ?? "";
  const given = d.value("given_name") ?? "";
  return /^[\p{Script=Han}]+$/u.test(family + given) ? family + given : `${given} ${family}`.trim();
}
