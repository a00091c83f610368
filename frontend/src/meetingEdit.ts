/** The pure side of editing a meeting while it is planned: what the form changes, as `PATCH` takes it. */

import type { MeetingChange } from './api';

/** What the form changes in the meeting, as `PATCH` takes it: only the fields that differ. */
export function meetingChange(
  meeting: { title: string; duration_minutes: number; location: string | null; video_url: string | null; respond_by?: string | null },
  form: { title: string; duration_minutes: string; location: string; video_url: string; respond_by: string },
): MeetingChange {
  const change: MeetingChange = {};
  const title = form.title.trim();
  if (title !== meeting.title) change.title = title;
  const minutes = Number(form.duration_minutes);
  if (form.duration_minutes.trim() !== '' && minutes !== meeting.duration_minutes) change.duration_minutes = minutes;
  const location = form.location.trim();
  if (location !== (meeting.location ?? '')) change.location = location;
  const video = form.video_url.trim();
  if (video !== (meeting.video_url ?? '')) change.video_url = video;
  const respondBy = form.respond_by.trim();
  if (respondBy !== (meeting.respond_by ?? '')) change.respond_by = respondBy === '' ? null : respondBy;
  return change;
}
