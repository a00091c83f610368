/** What every view shares: the signed-in user, the live document sessions, the view lifecycle. */

import { type Me, api } from './api';
import { serverEvents } from './events';
import { LiveSession } from './live';

export interface ViewContext {
  main: HTMLElement;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Registers what to undo when the view is left (timers, listeners, bindings). */
  onLeave(fn: () => void): void;
  /** Aborted when the view is left: long-running loops check it. */
  signal: AbortSignal;
  navigate(to: string, opts?: { replace?: boolean }): void;
  /**
   * Draws the page again with fresh data, where the person is: the scroll position and the focus
   * are kept, and `message` is shown by the status line created with the same key (`feedback(key)`)
   * — instead of a jump to the top where the confirmation is lost. `focus` names the element to
   * focus again (its `data-focus-key`) when it is not the focused one (a busy button is disabled,
   * so it has lost the focus).
   */
  redraw(message?: { key: string; text: string; focus?: string }): void;
}

export type View = (ctx: ViewContext) => void | Promise<void>;

export const session: { me: Me | null } = { me: null };

export async function loadMe(): Promise<Me | null> {
  try {
    session.me = await api.me();
  } catch {
    session.me = null;
  }
  return session.me;
}

/**
 * Calls `fn` whenever the server says one of the person's projects changed, or the open live
 * document changed (`events.ts`), while the view is open — instead of polling.
 */
export function onChange(ctx: ViewContext, fn: () => unknown): void {
  const stop = serverEvents.listen(() => {
    if (!ctx.signal.aborted) void fn();
  });
  ctx.onLeave(stop);
}

// One live document session per project, kept while the user moves between that project's
// pages (project, its meetings), closed when another project is opened or on logout.
let current: { projectId: string; session: Promise<LiveSession> } | null = null;

export function liveSession(projectId: string): Promise<LiveSession> {
  if (current?.projectId === projectId) return current.session;
  closeLive();
  const live = new LiveSession(projectId);
  // Edits, not the first load: pages have just read what the document holds.
  live.doc.on('update', () => {
    if (live.synced) serverEvents.documentChanged();
  });
  const created = Promise.resolve(live);
  current = { projectId, session: created };
  return created;
}

export function closeLive(): void {
  const old = current;
  current = null;
  void old?.session.then((s) => s.destroy());
}

// Sections edited in http mode and not saved yet, and live sessions with unsynced edits:
// the page warns before it is left.
const unsavedChecks = new Set<() => boolean>();

export function trackUnsaved(ctx: ViewContext, check: () => boolean): void {
  unsavedChecks.add(check);
  ctx.onLeave(() => unsavedChecks.delete(check));
}

export function hasUnsavedWork(): boolean {
  for (const check of unsavedChecks) if (check()) return true;
  return false;
}

/** Hooks the shell (main.ts) provides to views, without an import cycle. */
export const shell: { refresh: () => void } = { refresh: () => undefined };

const NEXT_KEY = 'amont.next';

export function rememberNext(path: string): void {
  try {
    localStorage.setItem(NEXT_KEY, path);
  } catch {
    /* no return after login */
  }
}

/** Where to go after logging in: a page remembered before the login, if any. */
export function takeNext(): string | null {
  try {
    const next = localStorage.getItem(NEXT_KEY);
    localStorage.removeItem(NEXT_KEY);
    return next;
  } catch {
    return null;
  }
}
