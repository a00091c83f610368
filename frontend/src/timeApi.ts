/** The calls of partners' time (API.md "Partners' time"), on the shared client of `api.ts`. */

import { type Agreement, api } from './api';
import { browserZone } from './slots';
import type { AttendanceEntry, AttendanceStatus, MyMeetings, PartnerTime, Representation, TimeBudget } from './time';

const enc = encodeURIComponent;

export const timeApi = {
  /** Agree or object to a convocation at short notice, bound to `notice.content_hash`. */
  answerShortNotice(meetingId: string, decision: 'agree' | 'object', contentHash: string, organizationId?: string) {
    return api.post<Agreement>(`/api/meetings/${enc(meetingId)}/short-notice/agreement`, {
      decision,
      content_hash: contentHash,
      ...(organizationId ? { organization_id: organizationId } : {}),
    });
  },
  representatives(meetingId: string) {
    return api.get<Representation[]>(`/api/meetings/${enc(meetingId)}/representatives`);
  },
  chooseRepresentatives(meetingId: string, organizationId: string, userIds: string[]) {
    return api.put<Representation>(`/api/meetings/${enc(meetingId)}/attendees/${enc(organizationId)}`, { user_ids: userIds });
  },
  attendance(meetingId: string) {
    return api.get<AttendanceEntry[]>(`/api/meetings/${enc(meetingId)}/attendance`);
  },
  recordAttendance(meetingId: string, body: { attendance: Array<{ user_id: string; status: AttendanceStatus }> }) {
    return api.put<AttendanceEntry[]>(`/api/meetings/${enc(meetingId)}/attendance`, body);
  },
  projectTime(projectId: string) {
    return api.get<PartnerTime[]>(`/api/projects/${enc(projectId)}/time`);
  },
  projectTimeCsvUrl(projectId: string, locale: string) {
    return `/api/projects/${enc(projectId)}/time.csv?lang=${enc(locale)}`;
  },
  setTimeBudget(projectId: string, organizationId: string, body: { hours_per_year?: number; hourly_value_eur: number | null }) {
    return api.put<TimeBudget>(`/api/projects/${enc(projectId)}/partners/${enc(organizationId)}/time-budget`, body);
  },
  /** The person's meetings from today, weeks counted in their browser's time zone. */
  myMeetings() {
    return api.get<MyMeetings>(`/api/me/meetings?tz=${enc(browserZone())}`);
  },
};
