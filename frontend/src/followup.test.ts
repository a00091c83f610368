import { describe, expect, it } from 'vitest';
import {
  NO_FILTERS,
  addDays,
  canChangeAction,
  checkActionDrafts,
  daysBetween,
  dueLabel,
  fillPositions,
  filtersProblem,
  isIsoDate,
  mergeRecent,
  missingPositions,
  nextStatuses,
  parseRegisterQuery,
  positionCounts,
  positionsGrid,
  positionsPayload,
  registerQuery,
  setComment,
  setPosition,
  sortActions,
  todayIn,
  decisionWarnings,
} from './followup';

const partners = [
  { id: 'mjc', name: 'MJC des Quatre Vents' },
  { id: 'caf', name: 'CAF des Yvelines' },
  { id: 'ville', name: 'Ville de Trappes' },
];

describe('positions grid', () => {
  it('starts with one empty row per accepted partner', () => {
    const grid = positionsGrid(partners);
    expect(grid.map((r) => r.organization_id)).toEqual(['mjc', 'caf', 'ville']);
    expect(grid.every((r) => r.position === null && r.comment === '')).toBe(true);
    expect(missingPositions(grid)).toEqual(['MJC des Quatre Vents', 'CAF des Yvelines', 'Ville de Trappes']);
    expect(positionsPayload(grid)).toEqual([]);
  });

  it('sends only the positions given, comments trimmed and left out when blank', () => {
    let grid = positionsGrid(partners);
    grid = setPosition(grid, 'mjc', 'consent');
    grid = setPosition(grid, 'caf', 'objection');
    grid = setComment(grid, 'caf', '  Pas avant le vote du budget 2027.  ');
    grid = setComment(grid, 'mjc', '   ');
    expect(positionsPayload(grid)).toEqual([
      { organization_id: 'mjc', position: 'consent' },
      { organization_id: 'caf', position: 'objection', comment: 'Pas avant le vote du budget 2027.' },
    ]);
    expect(missingPositions(grid)).toEqual(['Ville de Trappes']);
  });

  it('does not change the grid it was given', () => {
    const grid = positionsGrid(partners);
    const next = setPosition(grid, 'caf', 'abstention');
    expect(grid[1]!.position).toBeNull();
    expect(next[1]!.position).toBe('abstention');
  });

  it('clears a position, and fills the remaining ones without touching the others', () => {
    let grid = setPosition(positionsGrid(partners), 'caf', 'objection');
    grid = fillPositions(grid, 'consent');
    expect(grid.map((r) => r.position)).toEqual(['consent', 'objection', 'consent']);
    grid = setPosition(grid, 'ville', null);
    expect(missingPositions(grid)).toEqual(['Ville de Trappes']);
  });

  it('counts positions', () => {
    expect(positionCounts([{ position: 'consent' }, { position: 'consent' }, { position: 'abstention' }])).toEqual({ consent: 2, objection: 0, abstention: 1 });
  });
});

describe('action rows', () => {
  it('ignores blank rows and names what an incomplete row lacks', () => {
    const { actions, problems } = checkActionDrafts([
      { title: '  Réserver la salle ', owner_organization_id: 'mjc', due_on: '2026-12-15' },
      { title: '', owner_organization_id: '', due_on: '' },
      { title: 'Chiffrer le poste', owner_organization_id: '', due_on: '2026-02-30' },
    ]);
    expect(actions).toEqual([{ title: 'Réserver la salle', owner_organization_id: 'mjc', due_on: '2026-12-15' }]);
    expect([...problems.entries()]).toEqual([[2, ['owner', 'due_on']]]);
  });
});

describe('register filters ↔ query string', () => {
  it('is empty without filters', () => {
    expect(registerQuery(NO_FILTERS)).toBe('');
  });

  it('writes the API parameters in a stable order', () => {
    expect(registerQuery({ status: 'adopted', meetingId: 'abc-123', from: '2026-01-01', to: '2026-12-31' })).toBe(
      'status=adopted&meeting_id=abc-123&from=2026-01-01&to=2026-12-31',
    );
    expect(registerQuery({ ...NO_FILTERS, to: '2026-06-30' })).toBe('to=2026-06-30');
  });

  it('drops invalid dates', () => {
    expect(registerQuery({ ...NO_FILTERS, from: '2026-13-01', to: '31/12/2026' })).toBe('');
  });

  it('round-trips through the page address', () => {
    const filters = { status: 'deferred' as const, meetingId: '6482379c-df63-4935-8582-565480faa3ea', from: '2026-03-01', to: '' };
    expect(parseRegisterQuery(new URLSearchParams(registerQuery(filters)))).toEqual(filters);
  });

  it('ignores unknown statuses and junk in the address', () => {
    expect(parseRegisterQuery(new URLSearchParams('status=maybe&meeting_id=<script>&from=yesterday'))).toEqual(NO_FILTERS);
  });

  it('reports a reversed range', () => {
    expect(filtersProblem({ ...NO_FILTERS, from: '2026-05-01', to: '2026-04-01' })).toBe('range');
    expect(filtersProblem({ ...NO_FILTERS, from: '2026-04-01', to: '2026-04-01' })).toBeNull();
    expect(filtersProblem({ ...NO_FILTERS, from: '2026-02-30' })).toBe('from');
  });
});

describe('dates', () => {
  it('knows real calendar dates', () => {
    expect(isIsoDate('2028-02-29')).toBe(true);
    expect(isIsoDate('2026-02-29')).toBe(false);
    expect(isIsoDate('2026-1-05')).toBe(false);
  });

  it('counts days across a DST change and a year end', () => {
    expect(daysBetween('2026-03-28', '2026-03-30')).toBe(2);
    expect(daysBetween('2026-12-31', '2027-01-01')).toBe(1);
    expect(daysBetween('2026-12-03', '2026-12-01')).toBe(-2);
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('gives today in Paris, which is not the UTC date late in the evening', () => {
    // 23:30 UTC on 31 December is already 1 January in Paris.
    expect(todayIn('Europe/Paris', new Date('2026-12-31T23:30:00Z'))).toBe('2027-01-01');
    expect(todayIn('UTC', new Date('2026-12-31T23:30:00Z'))).toBe('2026-12-31');
  });
});

describe('due labels', () => {
  const today = '2026-12-10';
  it('marks overdue open actions, with how late they are', () => {
    expect(dueLabel({ due_on: '2026-12-07', status: 'open', overdue: true }, today, 'fr')).toEqual({
      tone: 'overdue',
      text: 'En retard de 3 jours (échéance\u00a0: 7 décembre 2026)',
    });
    expect(dueLabel({ due_on: '2026-12-09', status: 'open', overdue: true }, today, 'en')).toEqual({
      tone: 'overdue',
      text: 'Overdue by one day (due: 9 December 2026)',
    });
  });

  it('trusts the server’s overdue flag, computed in Paris', () => {
    // The browser's day may still be the 9th while it is the 10th in Paris.
    expect(dueLabel({ due_on: '2026-12-09', status: 'open', overdue: true }, '2026-12-09', 'fr').tone).toBe('overdue');
    expect(dueLabel({ due_on: '2026-12-09', status: 'open' }, '2026-12-10', 'fr').tone).toBe('overdue');
  });

  it('tells today, tomorrow, soon and later apart', () => {
    expect(dueLabel({ due_on: today, status: 'open', overdue: false }, today, 'fr').tone).toBe('today');
    expect(dueLabel({ due_on: '2026-12-11', status: 'open', overdue: false }, today, 'fr').text).toBe('Échéance demain (11 décembre 2026)');
    expect(dueLabel({ due_on: '2026-12-17', status: 'open', overdue: false }, today, 'en').text).toBe('Due in 7 days (17 December 2026)');
    expect(dueLabel({ due_on: '2026-12-18', status: 'open', overdue: false }, today, 'fr').tone).toBe('later');
  });

  it('never calls a closed action late', () => {
    expect(dueLabel({ due_on: '2026-01-01', status: 'done', overdue: false }, today, 'fr')).toEqual({
      tone: 'done',
      text: 'Faite (échéance\u00a0: 1 janvier 2026)',
    });
    expect(dueLabel({ due_on: '2026-01-01', status: 'cancelled', overdue: false }, today, 'en').tone).toBe('cancelled');
  });
});

describe('actions order and rights', () => {
  it('puts overdue first, then open by due date, then closed', () => {
    const a = (title: string, due_on: string, status: 'open' | 'done' | 'cancelled', overdue = false) => ({ title, due_on, status, overdue });
    const sorted = sortActions([
      a('done', '2026-01-01', 'done'),
      a('later', '2027-01-01', 'open'),
      a('late b', '2026-11-02', 'open', true),
      a('soon', '2026-12-12', 'open'),
      a('late a', '2026-11-01', 'open', true),
    ]);
    expect(sorted.map((x) => x.title)).toEqual(['late a', 'late b', 'soon', 'later', 'done']);
  });

  it('follows the server’s transitions', () => {
    expect(nextStatuses('open')).toEqual(['done', 'cancelled']);
    expect(nextStatuses('done')).toEqual(['open']);
    expect(nextStatuses('cancelled')).toEqual(['open']);
  });

  it('lets the owner’s members and the initiator change an action', () => {
    const action = { owner_organization_id: 'caf' };
    expect(canChangeAction(action, { isInitiator: false, organizationIds: ['caf'] })).toBe(true);
    expect(canChangeAction(action, { isInitiator: true, organizationIds: ['mjc'] })).toBe(true);
    expect(canChangeAction(action, { isInitiator: false, organizationIds: ['ville'] })).toBe(false);
  });
});

describe('recently changed actions', () => {
  const a = (id: string, status: 'open' | 'done', updated_at: string) => ({ id, title: id, status, due_on: '2026-12-01', overdue: false, updated_at });
  it('keeps an action just marked done in view, and prefers the newer version', () => {
    const list = [a('x', 'open', '2026-12-01T10:00:00Z')];
    const recent = new Map([
      ['y', a('y', 'done', '2026-12-01T11:00:00Z')],
      ['x', a('x', 'done', '2026-12-01T09:00:00Z')],
    ]);
    const merged = mergeRecent(list, recent);
    expect(merged.map((m) => `${m.id}:${m.status}`)).toEqual(['x:open', 'y:done']);
  });
});

describe('decisionWarnings', () => {
  const now = new Date('2026-12-01T10:00:00Z');
  it('asks before recording a decision ahead of the meeting, or adopted over an objection', () => {
    expect(decisionWarnings('adopted', [{ position: 'consent' }], '2026-12-02T09:00:00Z', now)).toEqual(['beforeMeeting']);
    expect(decisionWarnings('adopted', [{ position: 'consent' }, { position: 'objection' }], '2026-11-30T09:00:00Z', now)).toEqual(['adoptedOverObjection']);
    expect(decisionWarnings('rejected', [{ position: 'objection' }], '2026-11-30T09:00:00Z', now)).toEqual([]);
    expect(decisionWarnings('adopted', [{ position: 'abstention' }], null, now)).toEqual([]);
  });
});
