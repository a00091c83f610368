/**
 * Server events instead of polling: open pages read again when the server says one of the
 * person's projects changed (`GET /api/me/events`, server-sent events), or when the open live
 * document changed — never on a timer.
 *
 * One `EventSource` per tab, opened while some view listens and closed when none does. Bursts are
 * coalesced: a convocation audits several changes at once, the page reads once. After the stream
 * was broken (network, server restart), everything is read again once it is back: events may have
 * been missed meanwhile. `EventSource` reconnects by itself.
 */

type Listener = () => void;

/** Delays before the listeners run: a server event, and an edit of the live document (typing). */
export const SERVER_DELAY_MS = 150;
export const DOCUMENT_DELAY_MS = 800;

export interface EventSourceLike {
  addEventListener(type: string, listener: () => void): void;
  close(): void;
  onopen: ((this: EventSourceLike, ev: Event) => unknown) | null;
  onerror: ((this: EventSourceLike, ev: Event) => unknown) | null;
}

export class ServerEvents {
  private readonly listeners = new Set<Listener>();
  private source: EventSourceLike | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private broken = false;
  /** Events received, for the curious (and the tests). */
  received = 0;

  constructor(private readonly open: () => EventSourceLike | null) {}

  /** Calls `listener` after each change; returns how to stop. */
  listen(listener: Listener): () => void {
    this.listeners.add(listener);
    this.connect();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.close();
    };
  }

  /** The live document changed (here or elsewhere): listeners read again, after typing pauses. */
  documentChanged(): void {
    this.schedule(DOCUMENT_DELAY_MS);
  }

  close(): void {
    this.source?.close();
    this.source = null;
    this.broken = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private connect(): void {
    if (this.source) return;
    const source = this.open();
    if (!source) return;
    this.source = source;
    source.addEventListener('change', () => {
      this.received += 1;
      this.schedule(SERVER_DELAY_MS);
    });
    source.onerror = () => {
      this.broken = true;
    };
    source.onopen = () => {
      if (!this.broken) return;
      this.broken = false;
      this.schedule(0);
    };
  }

  private schedule(delay: number): void {
    if (this.timer !== null || this.listeners.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      for (const listener of [...this.listeners]) listener();
    }, delay);
  }
}

/** The tab's server events. */
export const serverEvents = new ServerEvents(() =>
  typeof EventSource === 'undefined' ? null : (new EventSource('/api/me/events') as unknown as EventSourceLike),
);
