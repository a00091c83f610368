/**
 * The live project document: one `Y.Doc` per project, synced with the server by the stock
 * `y-websocket` provider on `/ws/projects/{id}` (authenticated by the session cookie), with
 * presence through awareness. Layout (shared with the server, see DESIGN.md):
 * root `brief` Y.Text; `missions` Y.Map org id → Y.Text; `agendas` Y.Map meeting id → Y.Array
 * of Y.Map `{id, title: Y.Text, duration_min, lead_org_id, notes: Y.Text}`.
 *
 * When the server has no websocket endpoint (404), the session runs in `http` mode: the same
 * document lives in the browser only and the views save sections with the HTTP PUTs.
 */

import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';

export type ConnectionState = 'connecting' | 'connected' | 'offline' | 'signedOut' | 'refused';

/**
 * Whether the server closed the connection for good, and why: the session was signed out, or the
 * user's organization no longer takes part in the project (policy closes, 1008, with these
 * reasons). Anything else — a restart, a slow or rate-limited client — is worth reconnecting.
 */
export function endedBy(close: { code: number; reason: string }): 'signedOut' | 'refused' | null {
  if (close.code !== 1008) return null;
  if (close.reason === 'signed out') return 'signedOut';
  if (close.reason.startsWith('no longer a partner')) return 'refused';
  return null;
}

/**
 * Whether the server refused what this page sent (the edit was not stored): an update that does
 * not apply to the document (1002), or one that would grow it past its maximum size (1009).
 * A stock provider would reconnect and, in its sync, send the same changes again.
 */
export function refusedEdit(close: { code: number; reason: string }): 'doesNotApply' | 'tooLarge' | null {
  if (close.code === 1009) return 'tooLarge';
  if (close.code === 1002 && close.reason.startsWith('update refused')) return 'doesNotApply';
  return null;
}

/** How long to wait before trying again after the server refused an edit for good. */
export const REFUSED_RETRY_MS = 60_000;

/**
 * Whether to reconnect at once after a close. A refused edit is tried again once at once (an
 * edit made while the connection was being set up may have reached the server before the
 * changes it builds on: it is sent again with them); refused again within
 * `REFUSED_RETRY_MS`, or too large for the document, it would only be refused again, so the
 * page waits that long before trying (the document may have room by then), instead of
 * reconnecting in a loop.
 */
export function reconnectAtOnce(close: { code: number; reason: string }, lastRefusedAt: number | null, now: number): boolean {
  if (endedBy(close)) return false;
  const refused = refusedEdit(close);
  if (refused === 'tooLarge') return false;
  if (refused === 'doesNotApply') return lastRefusedAt === null || now - lastRefusedAt >= REFUSED_RETRY_MS;
  return true;
}

export interface Presence {
  clientId: number;
  name: string;
  organization: string;
  color: string;
  section: string | null;
}

export interface AgendaItemMap {
  id: string;
  title: Y.Text;
  duration_min: number;
  lead_org_id: string;
  notes: Y.Text;
}

const COLORS = ['#0b4f6c', '#8a3b12', '#2d6a1f', '#6b2d83', '#9c1f4a', '#255e8a', '#7a5b00'];

export function colorFor(seed: string): string {
  let hash = 0;
  for (let i = 0; i < seed.length; i += 1) hash = (hash * 31 + seed.charCodeAt(i)) >>> 0;
  return COLORS[hash % COLORS.length]!;
}

export class LiveSession {
  readonly doc = new Y.Doc();
  readonly provider: WebsocketProvider;
  private listeners = new Set<() => void>();
  private pendingOffline = false;
  /** Count of local edits, and its value when the socket's buffer was last seen empty. */
  private localEdits = 0;
  private bufferSeenEmpty = 0;
  private everConnected = false;
  private lastRefusedAt: number | null = null;
  private retry: ReturnType<typeof setTimeout> | null = null;
  state: ConnectionState;
  synced = false;
  /** Why the server refused this page's last edits, while the page waits to try again. */
  refusal: 'doesNotApply' | 'tooLarge' | null = null;

  constructor(readonly projectId: string) {
    const base = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
    this.provider = new WebsocketProvider(base, `projects/${projectId}`, this.doc, {
      maxBackoffTime: 4000,
      shouldReconnect: (event: CloseEvent) => {
        const now = Date.now();
        const atOnce = reconnectAtOnce(event, this.lastRefusedAt, now);
        if (refusedEdit(event)) this.lastRefusedAt = now;
        if (!atOnce && !endedBy(event)) {
          this.refusal = refusedEdit(event);
          // Offline meanwhile: the changes stay in this page, and go when the server takes them.
          this.retry = setTimeout(() => {
            this.retry = null;
            this.provider.connect();
          }, REFUSED_RETRY_MS);
        }
        return atOnce;
      },
    });
    this.state = 'connecting';
    // Closed for good by the server: say why, and stop trying.
    this.provider.on('closed', (close: { code: number; reason: string }) => {
      const why = endedBy(close);
      if (why) {
        this.state = why;
        this.synced = false;
        this.emit();
      }
    });
    this.provider.on('status', ({ status }: { status: string }) => {
      if (this.ended) return;
      if (status === 'connected') {
        this.everConnected = true;
        this.refusal = null;
        this.state = 'connected';
      } else {
        this.state = this.everConnected || status === 'disconnected' ? 'offline' : 'connecting';
        this.synced = false;
      }
      this.emit();
    });
    this.provider.on('sync', (isSynced: boolean) => {
      this.synced = isSynced;
      if (isSynced && this.state === 'connected') this.pendingOffline = false;
      this.emit();
    });
    this.doc.on('update', (_update: Uint8Array, origin: unknown) => {
      if (origin !== this.provider) this.localEdits += 1;
      if (origin !== this.provider && !(this.state === 'connected' && this.synced)) {
        this.pendingOffline = true;
        this.emit();
      }
    });
    this.provider.awareness.on('change', () => this.emit());
  }

  /** The server ended the session for good (signed out, or no longer a partner). */
  get ended(): boolean {
    return this.state === 'signedOut' || this.state === 'refused';
  }

  /** Local edits the server has not received yet (made offline, or still in the socket's buffer). */
  get unsynced(): boolean {
    const buffered = (this.provider.ws as WebSocket | null)?.bufferedAmount ?? 0;
    if (buffered === 0) this.bufferSeenEmpty = this.localEdits;
    // Bytes in the socket's buffer are unsynced edits only when an edit was made since the buffer
    // was last seen empty: presence messages also go through it (drawing a page sends one).
    return this.pendingOffline || (buffered > 0 && this.localEdits > this.bufferSeenEmpty);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const l of [...this.listeners]) l();
  }

  /** Resolves once the document is in sync with the server (at once in http mode). */
  whenSynced(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.onChange(() => {
        if (this.synced) {
          off();
          resolve();
        }
      });
    });
  }

  brief(): Y.Text {
    return this.doc.getText('brief');
  }

  missions(): Y.Map<Y.Text> {
    return this.doc.getMap<Y.Text>('missions');
  }

  /** The mission's text, created in the document when it is not there yet. */
  mission(orgId: string): Y.Text {
    const map = this.missions();
    let text = map.get(orgId);
    if (!(text instanceof Y.Text)) {
      text = new Y.Text();
      map.set(orgId, text);
    }
    return text;
  }

  agendas(): Y.Map<Y.Array<Y.Map<unknown>>> {
    return this.doc.getMap<Y.Array<Y.Map<unknown>>>('agendas');
  }

  agenda(meetingId: string): Y.Array<Y.Map<unknown>> {
    const map = this.agendas();
    let list = map.get(meetingId);
    if (!(list instanceof Y.Array)) {
      list = new Y.Array<Y.Map<unknown>>();
      map.set(meetingId, list);
    }
    return list;
  }

  setUser(name: string, organization: string, seed: string): void {
    this.provider.awareness.setLocalStateField('user', { name, organization, color: colorFor(seed) });
  }

  setSection(section: string | null): void {
    this.provider.awareness.setLocalStateField('section', section);
  }

  /** The other people in the document. */
  peers(): Presence[] {
    const self = this.provider.awareness.clientID;
    const out: Presence[] = [];
    for (const [clientId, state] of this.provider.awareness.getStates()) {
      if (clientId === self) continue;
      const user = (state as { user?: { name?: unknown; organization?: unknown; color?: unknown } }).user;
      if (!user || typeof user.name !== 'string') continue;
      const section = (state as { section?: unknown }).section;
      out.push({
        clientId,
        name: user.name,
        organization: typeof user.organization === 'string' ? user.organization : '',
        color: typeof user.color === 'string' ? user.color : COLORS[0]!,
        section: typeof section === 'string' ? section : null,
      });
    }
    return out;
  }

  destroy(): void {
    if (this.retry) clearTimeout(this.retry);
    this.listeners.clear();
    this.provider.destroy();
    this.doc.destroy();
  }
}

/** Plain items of a Y agenda (for the HTTP PUT, totals and tests). */
export function agendaItems(list: Y.Array<Y.Map<unknown>>): Array<{ id: string; title: string; duration_min: number; lead_org_id: string; notes: string }> {
  return list.toArray().map((item) => ({
    id: String(item.get('id') ?? ''),
    title: String(item.get('title') ?? ''),
    duration_min: Number(item.get('duration_min') ?? 0) || 0,
    lead_org_id: String(item.get('lead_org_id') ?? ''),
    notes: String(item.get('notes') ?? ''),
  }));
}

/** A new agenda item as a Y.Map of the shared layout. */
export function newAgendaItem(init: { id?: string; title?: string; duration_min?: number; lead_org_id?: string; notes?: string }): Y.Map<unknown> {
  const item = new Y.Map<unknown>();
  item.set('id', init.id ?? crypto.randomUUID());
  item.set('title', new Y.Text(init.title ?? ''));
  item.set('duration_min', init.duration_min ?? 15);
  item.set('lead_org_id', init.lead_org_id ?? '');
  item.set('notes', new Y.Text(init.notes ?? ''));
  return item;
}

/**
 * Moves an item inside a Y.Array. Y has no move: the item is copied (same id, same texts'
 * content) into its new place and the old one deleted, in one transaction.
 */
export function moveAgendaItem(list: Y.Array<Y.Map<unknown>>, from: number, to: number): void {
  const length = list.length;
  if (from < 0 || from >= length) return;
  const target = Math.max(0, Math.min(length - 1, to));
  if (target === from) return;
  const doc = list.doc;
  const run = () => {
    const old = list.get(from);
    const copy = newAgendaItem({
      id: String(old.get('id') ?? ''),
      title: String(old.get('title') ?? ''),
      duration_min: Number(old.get('duration_min') ?? 0),
      lead_org_id: String(old.get('lead_org_id') ?? ''),
      notes: String(old.get('notes') ?? ''),
    });
    list.delete(from, 1);
    list.insert(target, [copy]);
  };
  if (doc) doc.transact(run);
  else run();
}
