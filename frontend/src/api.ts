/**
 * The typed client of the API (API.md). JSON in and out, the session cookie sent with every
 * call (`credentials: 'same-origin'`), and every failure mapped to one typed `ApiError`.
 *
 * The shapes come from the OpenAPI document the server serves (`src/http/openapi.json`):
 * `npm run api-types` generates `generated/openapi.ts` from it before every type-check and build,
 * so a field renamed or removed there fails the build here.
 */

import type { components } from './generated/openapi';

type Schemas = components['schemas'];

export type User = Schemas['User'];
export type MembershipRole = 'admin' | 'member';
export type Organization = Schemas['Organization'];
export type Me = Schemas['Me'];
export type Membership = Schemas['Membership'];
export type Consultation = Schemas['Consultation'];
/** What logging in with a link did besides opening a session. */
export interface SessionResult {
  user: User;
  api_token: string;
  consultation?: { project_id: string; organization_id: string; member: boolean };
  joined?: { organization_id: string; name: string };
}
export type ProjectStatus = 'draft' | 'concertation' | 'active' | 'closed';
export type Project = Schemas['Project'];
/** A project with the caller's own partnerships in it (`GET /api/projects/{id}`). */
export type ProjectDetail = Schemas['ProjectDetail'];
export type TodoItem = Schemas['TodoItem'];
export type TodoKind = Schemas['TodoKind'];
export type PartnershipStatus = 'invited' | 'accepted' | 'declined' | 'withdrawn';
export type Partnership = Schemas['Partnership'];
export type Section = Schemas['Section'];
export type Agreement = Schemas['Agreement'];
/** An attestation of the partnership sheet, as its project's list shows it. */
export type Attestation = Schemas['Attestation'];
/** Each accepted partner of the sheet, with the receipts of its consents. */
export interface SheetReceipts {
  partners: Array<{
    organization_id: string;
    organization_name: string;
    receipt: string | null;
    agreement: { decision: 'agree' | 'object'; current: boolean; receipt: string | null } | null;
  }>;
}
export interface Mission extends Section {
  organization_id: string;
  agreement: Agreement | null;
}
export type MeetingStatus = 'planning' | 'convened' | 'cancelled' | 'held';
export type Meeting = Schemas['Meeting'];
/** What `PATCH /api/meetings/{id}` changes (absent: unchanged; an empty place or link clears it; `respond_by: null` too). */
export interface MeetingChange {
  title?: string;
  duration_minutes?: number;
  location?: string;
  video_url?: string;
  starts_at?: string;
  respond_by?: string | null;
}
export type NotificationPreferences = Schemas['NotificationPreferences'];
export type NotificationPreference = Schemas['NotificationPreference'];
export type Reminders = Schemas['Reminders'];
export type ReminderSent = Schemas['ReminderSent'];
export type Slot = Schemas['Slot'];
export type Answer = 'yes' | 'maybe' | 'no';
export type PollSlot = Schemas['PollSlot'];
export type Poll = Schemas['Poll'];
export type AgendaItem = Schemas['AgendaItem'];
/** One accepted partner's latest agreement to the agenda (null: none yet). */
export interface AgendaAgreement {
  organization_id: string;
  organization_name: string;
  agreement: Agreement | null;
}
export type Agenda = Schemas['Agenda'];
/**
 * An unmet rule of the gate. `rule` is widened to any string on purpose: a newer server may add
 * rules, and the checklist still shows them (with a generic sentence).
 */
export type Unmet = Omit<Schemas['Unmet'], 'rule'> & { rule: string };
export type Readiness = Omit<Schemas['Readiness'], 'unmet'> & { unmet: Unmet[] };
export type DecisionStatus = 'adopted' | 'rejected' | 'deferred';
export type PositionKind = 'consent' | 'objection' | 'abstention';
export type ActionStatus = 'open' | 'done' | 'cancelled';
export type Position = Schemas['Position'];
export type Action = Schemas['Action'];
export type Decision = Schemas['Decision'];
export interface NewDecision {
  title: string;
  text: string;
  agenda_item_id?: string;
  status: DecisionStatus;
  positions: Array<{ organization_id: string; position: PositionKind; comment?: string }>;
}
export type Attendee = Schemas['Attendee'];

/** Every failure, from the server or the network. */
export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when no answer came (network error). */
    readonly status: number,
    /** The API's stable code (`not_found`, `stale_content`…), or `network` / `http_<status>`. */
    readonly code: string,
    message: string,
    readonly field: string | null = null,
    readonly unmet: Unmet[] = [],
    /** The whole error body, for codes that carry more (e.g. `stale_content` → `content_hash`). */
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get notFound(): boolean {
    return this.status === 404;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Maps an error answer (status + parsed body, if any) to an `ApiError`. Pure. */
export function toApiError(status: number, body: unknown): ApiError {
  const record = isRecord(body) ? body : {};
  const code = typeof record.error === 'string' && record.error !== '' ? record.error : `http_${status}`;
  const message = typeof record.message === 'string' ? record.message : '';
  const field = typeof record.field === 'string' ? record.field : null;
  const unmet = Array.isArray(record.unmet) ? record.unmet.filter((u): u is Unmet => isRecord(u) && typeof u.rule === 'string') : [];
  return new ApiError(status, code, message, field, unmet, record);
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** Called on every 401, so the app can send the user to the login page. */
let onUnauthenticated: (() => void) | null = null;
export function setUnauthenticatedHandler(handler: (() => void) | null): void {
  onUnauthenticated = handler;
}

export class Api {
  constructor(private readonly fetchImpl: Fetch = (input, init) => fetch(input, init)) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    const init: RequestInit = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await this.fetchImpl(path, init);
    } catch (error) {
      throw new ApiError(0, 'network', error instanceof Error ? error.message : String(error));
    }
    const text = await response.text().catch(() => '');
    let parsed: unknown;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (!response.ok) {
      const error = toApiError(response.status, parsed);
      if (error.status === 401 && onUnauthenticated && path !== '/api/me') onUnauthenticated();
      throw error;
    }
    if (text !== '' && parsed === undefined) {
      // A 200 that is not JSON: an endpoint this server does not have, answered by the
      // front end's index.html fallback. Treat it as missing.
      throw new ApiError(404, 'not_found', 'not an API answer');
    }
    return parsed as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }
  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }

  // Authentication and profile
  requestLink(email: string) {
    return this.post<void>('/api/auth/magic-link', { email });
  }
  createSession(token: string) {
    return this.post<SessionResult>('/api/auth/session', { token });
  }
  logout() {
    return this.post<void>('/api/auth/logout');
  }
  me() {
    return this.get<Me>('/api/me');
  }
  updateMe(patch: { display_name?: string; locale?: string }) {
    return this.patch<{ user: User }>('/api/me', patch);
  }
  /** A new secret feed address (only its hash is stored: each call makes another one). */
  calendarFeed() {
    return this.post<{ url: string }>('/api/me/calendar-feed');
  }
  /** How the user wants to be told (`requests`, `updates`: immediate, daily or off). */
  notificationPreferences() {
    return this.get<NotificationPreferences>('/api/me/notifications');
  }
  setNotificationPreferences(change: Partial<NotificationPreferences>) {
    return this.put<NotificationPreferences>('/api/me/notifications', change);
  }
  /** Revokes every feed address of the user. */
  revokeCalendarFeeds() {
    return this.request<void>('DELETE', '/api/me/calendar-feed');
  }

  // Organizations and projects
  createOrganization(input: { name: string; kind?: string; territory?: string; siren?: string }) {
    return this.post<Organization>('/api/organizations', input);
  }
  organization(id: string) {
    return this.get<Organization>(`/api/organizations/${enc(id)}`);
  }
  members(orgId: string) {
    return this.get<Membership[]>(`/api/organizations/${enc(orgId)}/members`);
  }
  /** Asks to join: `active` at once at a verified domain, else `pending` until an admin decides. */
  join(orgId: string) {
    return this.post<Membership>(`/api/organizations/${enc(orgId)}/join`);
  }
  decideMember(orgId: string, userId: string, decision: 'approve' | 'refuse') {
    return this.post<Membership>(`/api/organizations/${enc(orgId)}/members/${enc(userId)}/${decision}`);
  }
  setMemberRole(orgId: string, userId: string, role: MembershipRole) {
    return this.patch<Membership>(`/api/organizations/${enc(orgId)}/members/${enc(userId)}`, { role });
  }
  /** Removes a member (admins), or leaves (one's own id). */
  removeMember(orgId: string, userId: string) {
    return this.request<void>('DELETE', `/api/organizations/${enc(orgId)}/members/${enc(userId)}`);
  }
  setDomains(orgId: string, domains: string[]) {
    return this.put<{ domains: string[] }>(`/api/organizations/${enc(orgId)}/domains`, { domains });
  }
  inviteColleague(orgId: string, email: string, role: MembershipRole) {
    return this.post<{ email: string; role: MembershipRole; expires_at: string }>(`/api/organizations/${enc(orgId)}/invitations`, { email, role });
  }
  consultation(projectId: string, orgId: string) {
    return this.get<Consultation>(`/api/consultations/${enc(projectId)}/${enc(orgId)}`);
  }
  projects() {
    return this.get<Project[]>('/api/projects');
  }
  project(id: string) {
    return this.get<ProjectDetail>(`/api/projects/${enc(id)}`);
  }
  updateProject(id: string, patch: { title?: string; summary?: string; min_notice_days?: number }) {
    return this.patch<Project>(`/api/projects/${enc(id)}`, patch);
  }
  deleteMeeting(id: string) {
    return this.request<void>('DELETE', `/api/meetings/${enc(id)}`);
  }
  createProject(input: { title: string; summary: string; initiator_organization_id: string }) {
    return this.post<Project>('/api/projects', input);
  }
  partners(projectId: string) {
    return this.get<Partnership[]>(`/api/projects/${enc(projectId)}/partners`);
  }
  invite(projectId: string, input: { organization_name: string; contact_email: string; proposed_role?: string }) {
    return this.post<Partnership>(`/api/projects/${enc(projectId)}/partners`, input);
  }
  answer(projectId: string, orgId: string, decision: 'accept' | 'decline', comment?: string) {
    return this.post<Partnership>(`/api/projects/${enc(projectId)}/partners/${enc(orgId)}/answer`, {
      decision,
      ...(comment ? { comment } : {}),
    });
  }
  withdraw(projectId: string, orgId: string, comment?: string) {
    return this.post<Partnership>(`/api/projects/${enc(projectId)}/partners/${enc(orgId)}/withdraw`, comment ? { comment } : {});
  }
  // Proof of consent
  sheetReceipts(projectId: string) {
    return this.get<SheetReceipts>(`/api/projects/${enc(projectId)}/sheet`);
  }
  attest(projectId: string) {
    return this.post<{ id: string; url: string; jws: string; created_at: string }>(`/api/projects/${enc(projectId)}/attestations`);
  }
  attestations(projectId: string) {
    return this.get<Attestation[]>(`/api/projects/${enc(projectId)}/attestations`);
  }
  revokeAttestation(id: string) {
    return this.request<void>('DELETE', `/api/attestations/${enc(id)}`);
  }
  brief(projectId: string) {
    return this.get<Section>(`/api/projects/${enc(projectId)}/brief`);
  }
  mission(projectId: string, orgId: string) {
    return this.get<Mission>(`/api/projects/${enc(projectId)}/missions/${enc(orgId)}`);
  }
  agreeMission(projectId: string, orgId: string, contentHash: string, decision: 'agree' | 'object' = 'agree', comment?: string) {
    return this.post<Agreement>(`/api/projects/${enc(projectId)}/missions/${enc(orgId)}/agreement`, {
      content_hash: contentHash,
      decision,
      ...(comment ? { comment } : {}),
    });
  }
  sheetUrl(projectId: string, locale: string) {
    return `/api/projects/${enc(projectId)}/sheet?format=html&lang=${enc(locale)}`;
  }

  // Meetings
  meetings(projectId: string) {
    return this.get<Meeting[]>(`/api/projects/${enc(projectId)}/meetings`);
  }
  createMeeting(projectId: string, input: { title: string; duration_minutes: number; timezone: string; location?: string; video_url?: string }) {
    return this.post<Meeting>(`/api/projects/${enc(projectId)}/meetings`, input);
  }
  meeting(id: string) {
    return this.get<Meeting>(`/api/meetings/${enc(id)}`);
  }
  updateMeeting(id: string, patch: MeetingChange) {
    return this.patch<Meeting>(`/api/meetings/${enc(id)}`, patch);
  }
  /** Sends a convened meeting's attendees its current agenda (once the convened partners agreed to it). */
  sendCurrentAgenda(id: string) {
    return this.patch<Meeting>(`/api/meetings/${enc(id)}`, { agenda: 'current' });
  }
  addSlot(id: string, startsAt: string) {
    return this.post<Slot>(`/api/meetings/${enc(id)}/slots`, { starts_at: startsAt });
  }
  answerPoll(id: string, answers: Record<string, Answer>) {
    return this.put<unknown>(`/api/meetings/${enc(id)}/availability`, { answers });
  }
  poll(id: string) {
    return this.get<Poll>(`/api/meetings/${enc(id)}/poll`);
  }
  removeSlot(id: string, slotId: string) {
    return this.request<void>('DELETE', `/api/meetings/${enc(id)}/slots/${enc(slotId)}`);
  }
  chooseSlot(id: string, slotId: string) {
    return this.post<Meeting>(`/api/meetings/${enc(id)}/slot`, { slot_id: slotId });
  }
  agenda(id: string) {
    return this.get<Agenda>(`/api/meetings/${enc(id)}/agenda`);
  }
  /** `organizationId`: the accepted partner agreeing (needed when the caller belongs to several). */
  agreeAgenda(id: string, contentHash: string, organizationId?: string, decision: 'agree' | 'object' = 'agree', comment?: string) {
    return this.post<Agreement>(`/api/meetings/${enc(id)}/agenda/agreement`, {
      content_hash: contentHash,
      decision,
      ...(organizationId ? { organization_id: organizationId } : {}),
      ...(comment ? { comment } : {}),
    });
  }
  /** Reminds the partners with something pending (or only `organizationId`), once a day each. */
  remind(meetingId: string, organizationId?: string) {
    const only = organizationId ? `?organization_id=${enc(organizationId)}` : '';
    return this.post<Reminders>(`/api/meetings/${enc(meetingId)}/reminders${only}`);
  }
  reminders(meetingId: string) {
    return this.get<ReminderSent[]>(`/api/meetings/${enc(meetingId)}/reminders`);
  }
  readiness(id: string) {
    return this.get<Readiness>(`/api/meetings/${enc(id)}/readiness`);
  }
  recordConcertation(id: string, summary: string) {
    return this.post<unknown>(`/api/meetings/${enc(id)}/concertation`, { summary });
  }
  convene(id: string) {
    return this.post<{ sequence: number; recipients: string[] }>(`/api/meetings/${enc(id)}/convocation`);
  }
  cancel(id: string) {
    return this.post<Meeting>(`/api/meetings/${enc(id)}/cancel`);
  }
  attendees(id: string) {
    return this.get<Attendee[]>(`/api/meetings/${enc(id)}/attendees`);
  }
  /** The caller's own answer to a convocation, as the links of the email would record it. */
  answerConvocation(id: string, answer: 'accepted' | 'tentative' | 'declined') {
    return this.put<Attendee>(`/api/meetings/${enc(id)}/rsvp`, { answer });
  }

  // Decisions and follow-up
  markHeld(id: string) {
    return this.post<Meeting>(`/api/meetings/${enc(id)}/held`);
  }
  createDecision(meetingId: string, input: NewDecision) {
    return this.post<Decision>(`/api/meetings/${enc(meetingId)}/decisions`, input);
  }
  /** `query`: an encoded query string without `?` (see `registerQuery`). */
  decisions(projectId: string, query = '') {
    return this.get<Decision[]>(`/api/projects/${enc(projectId)}/decisions${query ? `?${query}` : ''}`);
  }
  decisionsCsvUrl(projectId: string, query: string, locale: string) {
    const params = new URLSearchParams(query);
    params.set('lang', locale);
    return `/api/projects/${enc(projectId)}/decisions.csv?${params}`;
  }
  createAction(decisionId: string, input: { title: string; owner_organization_id: string; due_on: string }) {
    return this.post<Action>(`/api/decisions/${enc(decisionId)}/actions`, input);
  }
  setActionStatus(actionId: string, status: ActionStatus) {
    return this.patch<Action>(`/api/actions/${enc(actionId)}`, { status });
  }
  projectActions(projectId: string, query = '') {
    return this.get<Action[]>(`/api/projects/${enc(projectId)}/actions${query ? `?${query}` : ''}`);
  }
  /** The caller's organizations' actions (open ones unless `status` says otherwise), overdue first. */
  myActions(status?: ActionStatus) {
    return this.get<Action[]>(`/api/me/actions${status ? `?status=${enc(status)}` : ''}`);
  }
  /** What the caller has to do, dated things first. */
  todo() {
    return this.get<Schemas['Todo']>('/api/me/todo');
  }
}

function enc(value: string): string {
  return encodeURIComponent(value);
}

export const api = new Api();
