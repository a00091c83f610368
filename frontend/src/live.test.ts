// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { agendaItems, endedBy, moveAgendaItem, newAgendaItem, reconnectAtOnce, refusedEdit, REFUSED_RETRY_MS } from './live';

describe('agenda in the Y document', () => {
  it('follows the shared layout and moves items keeping ids and texts', () => {
    const doc = new Y.Doc();
    const list = doc.getMap<Y.Array<Y.Map<unknown>>>('agendas').set('m1', new Y.Array<Y.Map<unknown>>());
    list.push([
      newAgendaItem({ id: 'a', title: 'Accueil', duration_min: 10 }),
      newAgendaItem({ id: 'b', title: 'Budget', duration_min: 30, lead_org_id: 'caf', notes: 'n' }),
    ]);
    expect(list.get(0).get('title')).toBeInstanceOf(Y.Text);
    moveAgendaItem(list, 1, 0);
    expect(agendaItems(list)).toEqual([
      { id: 'b', title: 'Budget', duration_min: 30, lead_org_id: 'caf', notes: 'n' },
      { id: 'a', title: 'Accueil', duration_min: 10, lead_org_id: '', notes: '' },
    ]);
    moveAgendaItem(list, 0, 5);
    expect(agendaItems(list).map((i) => i.id)).toEqual(['a', 'b']);
  });
});

describe('refused edits', () => {
  const doesNotApply = { code: 1002, reason: 'update refused: it does not apply to the document' };
  const tooLarge = { code: 1009, reason: 'update refused: the document would grow past its maximum size' };
  it('tells refused edits from other closes', () => {
    expect(refusedEdit(doesNotApply)).toBe('doesNotApply');
    expect(refusedEdit(tooLarge)).toBe('tooLarge');
    expect(refusedEdit({ code: 1002, reason: 'not a y-websocket message' })).toBeNull();
    expect(refusedEdit({ code: 1011, reason: '' })).toBeNull();
  });
  it('reconnects at once after a first refusal, not after a second one soon after, nor when the document is full', () => {
    expect(reconnectAtOnce(doesNotApply, null, 1_000)).toBe(true);
    expect(reconnectAtOnce(doesNotApply, 1_000, 5_000)).toBe(false);
    expect(reconnectAtOnce(doesNotApply, 1_000, 1_000 + REFUSED_RETRY_MS)).toBe(true);
    expect(reconnectAtOnce(tooLarge, null, 1_000)).toBe(false);
    expect(reconnectAtOnce({ code: 1008, reason: 'signed out' }, null, 1_000)).toBe(false);
    expect(reconnectAtOnce({ code: 1006, reason: '' }, 1_000, 1_001)).toBe(true);
  });
});

describe('endedBy', () => {
  it('stops for a sign-out or a lost partnership, and reconnects after anything else', () => {
    expect(endedBy({ code: 1008, reason: 'signed out' })).toBe('signedOut');
    expect(endedBy({ code: 1008, reason: 'no longer a partner of this project' })).toBe('refused');
    expect(endedBy({ code: 1008, reason: 'too many messages' })).toBeNull();
    expect(endedBy({ code: 1008, reason: 'too slow: messages were not read in time' })).toBeNull();
    expect(endedBy({ code: 1011, reason: 'the update could not be stored; reconnect' })).toBeNull();
    expect(endedBy({ code: 1006, reason: '' })).toBeNull();
  });
});
