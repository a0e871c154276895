// The DOM helpers every page shares: element lookup, the page's language and JSON blocks, element
// building, the screen-reader announcer.

export const $ = (id) => document.getElementById(id);

/** The page's language (the <html lang> the server set). */
export const LANG = document.documentElement.lang || "en";

/** A JSON block the server put in the page (`<script type="application/json" id=...>`). */
export const readJson = (id) => JSON.parse($(id).textContent);

/**
 * A new element. `props` is a class name (string) or attributes: `class`, `text`, `on<event>`
 * listeners, anything else set as an attribute (null/undefined/false left out, true as "").
 * Children (strings or nodes, arrays flattened, null/undefined skipped) are appended.
 */
export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  const attrs = typeof props === "string" ? { class: props || null } : props || {};
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}

/** Say `text` through the page's #announcer live region. */
export function announce(text) {
  const region = $("announcer");
  region.textContent = "";
  // a separate task so screen readers notice the change even when the text repeats
  setTimeout(() => { region.textContent = text; }, 30);
}
