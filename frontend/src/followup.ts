/**
 * The pure side of decisions and follow-up: the positions grid of a decision being recorded,
 * the action rows typed with it, the register's filters ↔ query string, due dates and overdue
 * labels, and the order in which actions are shown. No DOM, no I/O.
 */

import type { ActionStatus, DecisionStatus, NewDecision, PositionKind } from './api';
import { formatDay } from './dates';
import { type Locale, t } from './i18n';

export const DECISION_STATUSES: readonly DecisionStatus[] = ['adopted', 'rejected', 'deferred'];
export const POSITIONS: readonly PositionKind[] = ['consent', 'objection', 'abstention'];
export const ACTION_STATUSES: readonly ActionStatus[] = ['open', 'done', 'cancelled'];

// ---------------------------------------------------------------------------------------------
// Positions grid

export interface PositionRow {
  organization_id: string;
  organization_name: string;
  position: PositionKind | null;
  comment: string;
}

/** One row per accepted partner, nothing chosen yet. */
export function positionsGrid(partners: ReadonlyArray<{ id: string; name: string }>): PositionRow[] {
  return partners.map((p) => ({ organization_id: p.id, organization_name: p.name, position: null, comment: '' }));
}

export function setPosition(grid: readonly PositionRow[], organizationId: string, position: PositionKind | null): PositionRow[] {
  return grid.map((row) => (row.organization_id === organizationId ? { ...row, position } : row));
}

export function setComment(grid: readonly PositionRow[], organizationId: string, comment: string): PositionRow[] {
  return grid.map((row) => (row.organization_id === organizationId ? { ...row, comment } : row));
}

/** Gives every partner without a position the same one ("everyone consents"). */
export function fillPositions(grid: readonly PositionRow[], position: PositionKind): PositionRow[] {
  return grid.map((row) => (row.position === null ? { ...row, position } : row));
}

/** The positions to send: only partners with a position; comments trimmed, left out when empty. */
export function positionsPayload(grid: readonly PositionRow[]): NewDecision['positions'] {
  return grid
    .filter((row): row is PositionRow & { position: PositionKind } => row.position !== null)
    .map((row) => {
      const comment = row.comment.trim();
      return { organization_id: row.organization_id, position: row.position, ...(comment ? { comment } : {}) };
    });
}

/** Partners still without a position (named, for a warning before saving). */
/**
 * What a person should confirm before recording a decision: recorded before the meeting has
 * started, or adopted although a partner objects. Both are allowed; neither should happen by a
 * slip of the hand.
 */
export function decisionWarnings(
  status: DecisionStatus,
  positions: ReadonlyArray<{ position: PositionKind }>,
  meetingStartsAt: string | null,
  now: Date = new Date(),
): Array<'beforeMeeting' | 'adoptedOverObjection'> {
  const warnings: Array<'beforeMeeting' | 'adoptedOverObjection'> = [];
  if (meetingStartsAt !== null && new Date(meetingStartsAt).getTime() > now.getTime()) warnings.push('beforeMeeting');
  if (status === 'adopted' && positions.some((p) => p.position === 'objection')) warnings.push('adoptedOverObjection');
  return warnings;
}

export function missingPositions(grid: readonly PositionRow[]): string[] {
  return grid.filter((row) => row.position === null).map((row) => row.organization_name);
}

/** How many of each position (for a compact summary). */
export function positionCounts(positions: ReadonlyArray<{ position: PositionKind }>): Record<PositionKind, number> {
  const counts: Record<PositionKind, number> = { consent: 0, objection: 0, abstention: 0 };
  for (const p of positions) if (p.position in counts) counts[p.position] += 1;
  return counts;
}

// ---------------------------------------------------------------------------------------------
// Action rows typed with a decision

export interface ActionDraft {
  title: string;
  owner_organization_id: string;
  due_on: string;
}

export function emptyActionDraft(): ActionDraft {
  return { title: '', owner_organization_id: '', due_on: '' };
}

export type DraftProblem = 'title' | 'owner' | 'due_on';

/**
 * Checks the action rows: blank rows are ignored; a row with something typed must be complete
 * (title, owner, valid date). Returns the actions to create and, per row index, what is missing.
 */
export function checkActionDrafts(drafts: readonly ActionDraft[]): { actions: ActionDraft[]; problems: Map<number, DraftProblem[]> } {
  const actions: ActionDraft[] = [];
  const problems = new Map<number, DraftProblem[]>();
  drafts.forEach((draft, index) => {
    const title = draft.title.trim();
    const blank = title === '' && draft.owner_organization_id === '' && draft.due_on === '';
    if (blank) return;
    const missing: DraftProblem[] = [];
    if (title === '') missing.push('title');
    if (draft.owner_organization_id === '') missing.push('owner');
    if (!isIsoDate(draft.due_on)) missing.push('due_on');
    if (missing.length) problems.set(index, missing);
    else actions.push({ title, owner_organization_id: draft.owner_organization_id, due_on: draft.due_on });
  });
  return { actions, problems };
}

// ---------------------------------------------------------------------------------------------
// Register filters ↔ query string

export interface RegisterFilters {
  status: DecisionStatus | '';
  meetingId: string;
  /** `YYYY-MM-DD` or ''. */
  from: string;
  to: string;
}

export const NO_FILTERS: RegisterFilters = { status: '', meetingId: '', from: '', to: '' };

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** The API's query string for the filters (no leading `?`; empty when nothing is filtered). */
export function registerQuery(filters: RegisterFilters): string {
  const params = new URLSearchParams();
  if (filters.status) params.set('status', filters.status);
  if (filters.meetingId) params.set('meeting_id', filters.meetingId);
  if (isIsoDate(filters.from)) params.set('from', filters.from);
  if (isIsoDate(filters.to)) params.set('to', filters.to);
  return params.toString();
}

/** The filters a query string (the page's address) carries; anything unknown or invalid is dropped. */
export function parseRegisterQuery(query: URLSearchParams): RegisterFilters {
  const status = query.get('status') ?? '';
  const from = query.get('from') ?? '';
  const to = query.get('to') ?? '';
  return {
    status: (DECISION_STATUSES as readonly string[]).includes(status) ? (status as DecisionStatus) : '',
    meetingId: /^[0-9a-fA-F-]{1,64}$/.test(query.get('meeting_id') ?? '') ? query.get('meeting_id')! : '',
    from: isIsoDate(from) ? from : '',
    to: isIsoDate(to) ? to : '',
  };
}

/** What is wrong with the filters typed, if anything. */
export function filtersProblem(filters: RegisterFilters): 'from' | 'to' | 'range' | null {
  if (filters.from !== '' && !isIsoDate(filters.from)) return 'from';
  if (filters.to !== '' && !isIsoDate(filters.to)) return 'to';
  if (filters.from && filters.to && filters.from > filters.to) return 'range';
  return null;
}

export function hasFilters(filters: RegisterFilters): boolean {
  return registerQuery(filters) !== '';
}

// ---------------------------------------------------------------------------------------------
// Dates, due dates, overdue

/** Today's calendar date in `timeZone` (due dates are calendar days in France). */
export function todayIn(timeZone = 'Europe/Paris', now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Whole days from `from` to `to` (both `YYYY-MM-DD`); negative when `to` is before. */
export function daysBetween(from: string, to: string): number {
  const a = Date.parse(`${from}T00:00:00Z`);
  const b = Date.parse(`${to}T00:00:00Z`);
  return Math.round((b - a) / 86_400_000);
}

/** `YYYY-MM-DD` plus `days`. */
export function addDays(isoDate: string, days: number): string {
  const d = new Date(`${isoDate}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export type DueTone = 'overdue' | 'today' | 'soon' | 'later' | 'done' | 'cancelled';

export interface DueLabel {
  tone: DueTone;
  /** "En retard de 3 jours (échéance le 2 décembre 2026)". */
  text: string;
}

/**
 * How an action's due date reads today. Overdue is the server's word when it gives one (open and
 * due before today, in Paris); otherwise computed the same way.
 */
export function dueLabel(action: { due_on: string; status: ActionStatus; overdue?: boolean }, today: string, locale: Locale): DueLabel {
  const date = formatDay(action.due_on, locale);
  if (action.status === 'done') return { tone: 'done', text: t('actions.due.done', { date }, locale) };
  if (action.status === 'cancelled') return { tone: 'cancelled', text: t('actions.due.cancelled', { date }, locale) };
  const days = daysBetween(today, action.due_on);
  const overdue = action.overdue ?? days < 0;
  if (overdue) {
    const late = Math.max(1, -days);
    return { tone: 'overdue', text: t(late === 1 ? 'actions.due.overdueOne' : 'actions.due.overdue', { days: late, date }, locale) };
  }
  if (days <= 0) return { tone: 'today', text: t('actions.due.today', { date }, locale) };
  if (days <= 7) return { tone: 'soon', text: t(days === 1 ? 'actions.due.tomorrow' : 'actions.due.soon', { days, date }, locale) };
  return { tone: 'later', text: t('actions.due.later', { date }, locale) };
}

/** Overdue first, then open ones by due date, then the closed ones; ties by title. */
export function sortActions<A extends { due_on: string; status: ActionStatus; overdue: boolean; title: string }>(actions: readonly A[]): A[] {
  const rank = (a: A) => (a.overdue ? 0 : a.status === 'open' ? 1 : 2);
  return [...actions].sort((a, b) => rank(a) - rank(b) || a.due_on.localeCompare(b.due_on) || a.title.localeCompare(b.title));
}

/** Where an action may go from `status` (the server's transitions). */
export function nextStatuses(status: ActionStatus): ActionStatus[] {
  return status === 'open' ? ['done', 'cancelled'] : ['open'];
}

/** Members of the owner organization, or of the initiator, change an action's status. */
export function canChangeAction(action: { owner_organization_id: string }, who: { isInitiator: boolean; organizationIds: readonly string[] }): boolean {
  return who.isInitiator || who.organizationIds.includes(action.owner_organization_id);
}

/**
 * The actions to show: the server's list, plus those changed here a moment ago that the list no
 * longer has (an action marked done stays in view, with "Reopen", until the page is left), the
 * newer version of each winning. Sorted as `sortActions`.
 */
export function mergeRecent<A extends { id: string; updated_at: string; due_on: string; status: ActionStatus; overdue: boolean; title: string }>(
  actions: readonly A[],
  recent: ReadonlyMap<string, A>,
): A[] {
  const byId = new Map(actions.map((a) => [a.id, a]));
  for (const [id, a] of recent) {
    const listed = byId.get(id);
    if (!listed || listed.updated_at < a.updated_at) byId.set(id, a);
  }
  return sortActions([...byId.values()]);
}
