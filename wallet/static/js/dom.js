// Small DOM helpers shared by the screens: find by id, build an element, set a status line.

import { t } from "./i18n.js";

export const $ = (id) => document.getElementById(id);

/** An element with properties (class, text, on<event> handlers, attributes) and children. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

/** Shows `text` in the status line `id`; `kind` is "good", "bad" or "" (neutral). */
export function say(id, text, kind = "") {
  const node = $(id);
  node.textContent = text;
  node.className = `status ${kind}`;
}

/**
 * Runs a screen's action. A failure no branch of the action foresaw (a bug, storage
 * refusing to write) is shown in the screen's status line with its own message, then
 * rethrown so it still reaches the console: never disguised as another kind of error.
 */
export async function reporting(statusId, action) {
  try {
    return await action();
  } catch (e) {
    say(statusId, t("error", { message: e.message }), "bad");
    throw e;
  }
}
