/**
 * The initiator corrects a meeting while it is being planned: its title, duration, place, video
 * link and the date by which poll answers are wanted (`PATCH /api/meetings/{id}`). Only what
 * changed is sent; a refusal is shown as the server words it, on the field at fault.
 */

import { api } from '../../api';
import { meetingChange } from '../../meetingEdit';
import { h } from '../../dom';
import { t } from '../../i18n';
import { announce, busy, feedback, field, flagField } from '../../ui';
import type { MeetingPage } from './page';

export function editMeeting(page: MeetingPage): HTMLElement {
  const m = page.meeting;
  const title = field({ label: t('meetings.field.title'), name: 'title', required: true, value: m.title, maxlength: 300 });
  const duration = field({
    label: t('meetings.field.duration'),
    name: 'duration_minutes',
    type: 'number',
    required: true,
    value: String(m.duration_minutes),
    min: 5,
    max: 1440,
  });
  const location = field({ label: t('meetings.field.location'), name: 'location', value: m.location ?? '', maxlength: 500 });
  const video = field({ label: t('meetings.field.video'), name: 'video_url', type: 'url', value: m.video_url ?? '' });
  const respondBy = field({
    label: t('meeting.field.respondBy'),
    name: 'respond_by',
    type: 'date',
    value: m.respond_by ?? '',
    help: t('meeting.field.respondByHelp'),
  });
  const status = feedback('meeting-edit');
  const submit = h('button', { type: 'submit', class: 'primary', dataset: { focusKey: 'meeting-edit' } }, t('common.save'));
  const form = h(
    'form',
    { class: 'stack' },
    title.wrap,
    h('div', { class: 'row wrap' }, duration.wrap, respondBy.wrap),
    location.wrap,
    video.wrap,
    submit,
    status.el,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const change = meetingChange(page.meeting, {
      title: title.input.value,
      duration_minutes: duration.input.value,
      location: location.input.value,
      video_url: video.input.value,
      respond_by: respondBy.input.value,
    });
    if (Object.keys(change).length === 0) {
      status.ok(t('meeting.unchanged'));
      return;
    }
    void busy(submit, async () => {
      try {
        await api.updateMeeting(page.meeting.id, change);
        announce(t('meeting.edited'));
        // The title, the header and the poll's reminders all follow: drawn again, where the person was.
        page.ctx.redraw({ key: 'meeting-edit', text: t('meeting.edited'), focus: 'meeting-edit' });
      } catch (error) {
        flagField(form, error);
        status.error(error);
        if (!form.contains(document.activeElement)) submit.focus();
      }
    });
  });
  return h('details', { class: 'edit-meeting', open: status.el.textContent !== '' }, h('summary', null, t('meeting.edit')), form);
}
