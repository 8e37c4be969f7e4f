// Which screen is shown. Screens register what to do when shown or left, so this module
// needs none of them.

import { $ } from "./dom.js";

export const VIEWS = ["licences", "claim", "present", "record", "backup", "delegation"];
const entered = new Map();
const left = new Map();
let current = "licences";

export function onEnter(view, action) {
  entered.set(view, action);
}

export function onLeave(view, action) {
  left.set(view, action);
}

export function show(view, focus = true) {
  if (current !== view) left.get(current)?.();
  current = view;
  for (const v of VIEWS) $(`view-${v}`).hidden = v !== view;
  for (const b of document.querySelectorAll(".tabs button")) {
    if (b.dataset.view === view) b.setAttribute("aria-current", "page");
    else b.removeAttribute("aria-current");
  }
  if (focus) $(`h-${view}`).focus?.();
  entered.get(view)?.();
}
