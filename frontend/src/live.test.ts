// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { agendaItems, endedBy, loadAgenda, moveAgendaItem, newAgendaItem, probeLive } from './live';

describe('agenda in the Y document', () => {
  it('follows the shared layout and moves items keeping ids and texts', () => {
    const doc = new Y.Doc();
    const list = doc.getMap<Y.Array<Y.Map<unknown>>>('agendas').set('m1', new Y.Array<Y.Map<unknown>>());
    list.push([newAgendaItem({ id: 'a', title: 'Accueil', duration_min: 10 }), newAgendaItem({ id: 'b', title: 'Budget', duration_min: 30, lead_org_id: 'caf', notes: 'n' })]);
    expect(list.get(0).get('title')).toBeInstanceOf(Y.Text);
    moveAgendaItem(list, 1, 0);
    expect(agendaItems(list)).toEqual([
      { id: 'b', title: 'Budget', duration_min: 30, lead_org_id: 'caf', notes: 'n' },
      { id: 'a', title: 'Accueil', duration_min: 10, lead_org_id: '', notes: '' },
    ]);
    moveAgendaItem(list, 0, 5);
    expect(agendaItems(list).map((i) => i.id)).toEqual(['a', 'b']);
    loadAgenda(list, [{ id: 'c', title: 'Clôture', duration_min: 5, lead_org_id: null, notes: null }]);
    expect(agendaItems(list)).toEqual([{ id: 'c', title: 'Clôture', duration_min: 5, lead_org_id: '', notes: '' }]);
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

describe('probeLive', () => {
  it('is off for a 404 or the HTML fallback, on otherwise', async () => {
    const answer = (status: number, type: string) => async () => new Response('x', { status, headers: { 'Content-Type': type } });
    expect(await probeLive('p', answer(404, 'application/json') as never)).toBe(false);
    expect(await probeLive('p', answer(200, 'text/html; charset=utf-8') as never)).toBe(false);
    expect(await probeLive('p', answer(400, 'text/plain') as never)).toBe(true);
    expect(await probeLive('p', answer(426, 'application/json') as never)).toBe(true);
    expect(await probeLive('p', (async () => { throw new TypeError('x'); }) as never)).toBe(false);
  });
});
