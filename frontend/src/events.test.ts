import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DOCUMENT_DELAY_MS, SERVER_DELAY_MS, ServerEvents, type EventSourceLike } from './events';

class FakeSource implements EventSourceLike {
  handlers = new Map<string, () => void>();
  closed = false;
  onopen: EventSourceLike['onopen'] = null;
  onerror: EventSourceLike['onerror'] = null;
  addEventListener(type: string, listener: () => void): void {
    this.handlers.set(type, listener);
  }
  close(): void {
    this.closed = true;
  }
  emit(): void {
    this.handlers.get('change')?.();
  }
}

describe('server events', () => {
  let sources: FakeSource[];
  let events: ServerEvents;
  beforeEach(() => {
    vi.useFakeTimers();
    sources = [];
    events = new ServerEvents(() => {
      const s = new FakeSource();
      sources.push(s);
      return s;
    });
  });
  afterEach(() => vi.useRealTimers());
  const source = (i = 0): FakeSource => {
    const found = sources[i];
    if (!found) throw new Error(`no stream ${i}`);
    return found;
  };

  it('opens one stream for all listeners and closes it when the last leaves', () => {
    const stopA = events.listen(() => undefined);
    const stopB = events.listen(() => undefined);
    expect(sources).toHaveLength(1);
    stopA();
    expect(source().closed).toBe(false);
    stopB();
    expect(source().closed).toBe(true);
    events.listen(() => undefined);
    expect(sources).toHaveLength(2);
  });

  it('reads once for a burst of changes, and never on a timer', () => {
    let reads = 0;
    events.listen(() => (reads += 1));
    vi.advanceTimersByTime(60_000);
    expect(reads).toBe(0);
    source().emit();
    source().emit();
    source().emit();
    vi.advanceTimersByTime(SERVER_DELAY_MS);
    expect(reads).toBe(1);
    expect(events.received).toBe(3);
  });

  it('waits for typing to pause on document changes', () => {
    let reads = 0;
    events.listen(() => (reads += 1));
    events.documentChanged();
    vi.advanceTimersByTime(DOCUMENT_DELAY_MS - 1);
    expect(reads).toBe(0);
    vi.advanceTimersByTime(1);
    expect(reads).toBe(1);
  });

  it('reads everything again once a broken stream is back, not on the first opening', () => {
    let reads = 0;
    events.listen(() => (reads += 1));
    const stream = source();
    stream.onopen?.call(stream, new Event('open'));
    vi.advanceTimersByTime(10);
    expect(reads).toBe(0);
    stream.onerror?.call(stream, new Event('error'));
    stream.onopen?.call(stream, new Event('open'));
    vi.advanceTimersByTime(0);
    expect(reads).toBe(1);
  });
});
