/**
 * A tiny typed DOM builder. Every string child becomes a Text node, so user text is never
 * interpreted as HTML; there is deliberately no way to set `innerHTML` through it.
 */

export type Child = Node | string | number | null | undefined | false | Child[];

type EventHandlers = {
  [K in keyof HTMLElementEventMap as `on${K}`]?: (event: HTMLElementEventMap[K]) => void;
};

export type Attrs = EventHandlers & {
  class?: string;
  /** Set as properties rather than attributes (value, checked, disabled…). */
  props?: Record<string, unknown>;
  dataset?: Record<string, string>;
} & Record<string, unknown>;

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child) append(parent, c);
    return;
  }
  parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
}

/** `h('button', {type: 'button', onclick}, 'Texte')`. Attribute values are strings or booleans. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'props') {
        Object.assign(el, value as object);
      } else if (name === 'dataset') {
        Object.assign(el.dataset, value as object);
      } else if (name.startsWith('on') && typeof value === 'function') {
        el.addEventListener(name.slice(2), value as EventListener);
      } else if (name === 'innerHTML' || name === 'outerHTML') {
        throw new Error('h(): HTML strings are not allowed');
      } else {
        el.setAttribute(name, value === true ? '' : String(value));
      }
    }
  }
  append(el, children);
  return el;
}

/** Replaces the children of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

let idCounter = 0;
/** A document-unique id for label/aria wiring. */
export function uid(prefix = 'id'): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** Sets text only when it changed (live regions are not re-announced for nothing). */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}
