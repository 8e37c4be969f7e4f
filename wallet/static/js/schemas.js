// Licence types as data: the server's index of types (/wallet/schemas/index.json) and each
// type's schema file, with its claims, titles and disclosure presets. Loaded once at start;
// the service worker keeps them for offline use. "Full licence" and "custom choice" are
// the wallet's own choices around a type's presets.

import { expecting, getJson } from "./api.js";
import { pick, t } from "./i18n.js";

const byName = new Map();
const byCode = new Map();

const isTitle = (v) => typeof v?.en === "string" && typeof v?.zh === "string";
const isIndex = (b) => Array.isArray(b.types)
  && b.types.every((x) => typeof x.name === "string" && Number.isInteger(x.code) && isTitle(x.title));
const isSchema = (b) => Array.isArray(b.claims) && Array.isArray(b.presets) && isTitle(b.title);

/** Loads the index and every schema; returns the first failing outcome, or {kind: "ok"}. */
export async function loadSchemas() {
  const index = expecting(await getJson("/wallet/schemas/index.json"), isIndex);
  if (index.kind !== "ok") return index;
  const answers = await Promise.all(index.body.types.map(
    async (type) => expecting(await getJson(`/wallet/schemas/${type.name}.json`),
      (b) => isSchema(b) && b.name === type.name && b.code === type.code)));
  const failed = answers.find((a) => a.kind !== "ok");
  if (failed) return failed;
  for (const { body } of answers) {
    byName.set(body.name, body);
    byCode.set(body.code, body);
  }
  return { kind: "ok" };
}

/** The schema of a licence type by name ("driving") or code (1); undefined if unknown. */
export function schemaFor(nameOrCode) {
  return typeof nameOrCode === "number" ? byCode.get(nameOrCode) : byName.get(nameOrCode);
}

/** The disclosure choices for a type: the whole licence, the type's presets, a custom
 * choice. `claims` is null for the whole licence; the custom choice is read from the page. */
export function presetsFor(schema) {
  return [{ name: "full", claims: null }, ...schema.presets, { name: "custom", claims: [] }];
}

export function presetTitle(preset) {
  return preset.title ? pick(preset.title) : t(`preset_${preset.name}`);
}
