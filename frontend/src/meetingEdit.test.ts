import { describe, expect, it } from 'vitest';
import { meetingChange } from './meetingEdit';

const meeting = { title: 'Comité', duration_minutes: 90, location: null, video_url: 'https://visio.example/a', respond_by: '2026-12-10' };
const same = { title: 'Comité', duration_minutes: '90', location: '', video_url: 'https://visio.example/a', respond_by: '2026-12-10' };

describe('meetingChange', () => {
  it('sends nothing when nothing changed (spaces around do not count)', () => {
    expect(meetingChange(meeting, same)).toEqual({});
    expect(meetingChange(meeting, { ...same, title: '  Comité ' })).toEqual({});
  });
  it('sends only what changed, trimmed', () => {
    expect(meetingChange(meeting, { ...same, title: ' Comité de pilotage ', duration_minutes: '120', location: ' Salle 2 ' })).toEqual({
      title: 'Comité de pilotage',
      duration_minutes: 120,
      location: 'Salle 2',
    });
  });
  it('clears a link with an empty string and the date with null', () => {
    expect(meetingChange(meeting, { ...same, video_url: '', respond_by: '' })).toEqual({ video_url: '', respond_by: null });
  });
  it('sends an emptied title, for the server to say what is wrong', () => {
    expect(meetingChange(meeting, { ...same, title: '   ' })).toEqual({ title: '' });
  });
});
