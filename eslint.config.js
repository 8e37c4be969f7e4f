// ESLint for the project's own JavaScript; scripts/test runs it before pytest. Each block
// names where its files run, which sets the globals ESLint accepts there.
"use strict";

const js = require("@eslint/js");
const globals = require("globals");

module.exports = [
  {
    // Installed or built, not ours: npm packages, the jsQR copy that scripts/bootstrap
    // vendors into the counter page, and what tests, the demo and the tour write.
    ignores: ["node_modules/", ".venv/", ".venv-slither/", "var/", "verifier/static/vendor/", "wallet/static/vendor/", "test-artifacts/",
      "tour/"],
  },
  js.configs.recommended,
  {
    // The wallet: ES modules loaded by wallet/static/index.html.
    files: ["wallet/static/js/**/*.js"],
    languageOptions: { sourceType: "module", globals: globals.browser },
  },
  {
    // The wallet's service worker: a classic worker script.
    files: ["wallet/static/sw.js"],
    languageOptions: { sourceType: "script", globals: { ...globals.browser, ...globals.serviceworker } },
  },
  {
    // The counter page: a classic script (it finds the vendored jsQR on `window`).
    files: ["verifier/static/counter/**/*.js"],
    languageOptions: { sourceType: "script", globals: globals.browser },
  },
  {
    // Node harnesses that the Python tests run to drive the wallet's modules.
    files: ["tests/wallet/js/**/*.mjs"],
    languageOptions: { sourceType: "module", globals: globals.node },
  },
  {
    // Checkers of the standard-format exports: node scripts that run other people's
    // libraries (@sd-jwt/*, @auth0/mdl, jose), driven by tests/exports/.
    files: ["tests/interop/**/*.mjs"],
    languageOptions: { sourceType: "module", globals: globals.node },
  },
  {
    // Node scripts in CommonJS: the solc-js launcher (no file extension) and this file.
    files: ["contracts/tools/solc", "eslint.config.js"],
    languageOptions: { sourceType: "commonjs", globals: globals.node },
  },
];
