/** What the sections of a meeting's page share. */
import type { Meeting, Partnership, ProjectDetail } from '../../api';
import type { ViewContext } from '../../app';
import type { LiveSession } from '../../live';

export interface MeetingPage {
  ctx: ViewContext;
  meeting: Meeting;
  project: ProjectDetail;
  partners: Partnership[];
  live: LiveSession;
  /** Organizations the caller acts for in this project, accepted. */
  myAccepted: Array<{ id: string; name: string }>;
  refreshMeeting(): Promise<void>;
  refreshGate(): Promise<void>;
}
