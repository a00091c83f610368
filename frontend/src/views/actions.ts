/**
 * "Les actions de mon organisation": the actions owned by the caller's organizations across
 * their projects, overdue ones first and marked, with done / cancel / reopen. The daily digest
 * email links here (`/actions`).
 */

import type { Action, ActionStatus } from '../api';
import { api } from '../api';
import { type ViewContext, onChange } from '../app';
import { h, replace, setText, uid } from '../dom';
import { ACTION_STATUSES, mergeRecent } from '../followup';
import { t, tn } from '../i18n';
import { feedback, rerender } from '../ui';
import { actionLine } from './decisions';

export async function actionsView(ctx: ViewContext): Promise<void> {
  const asked = ctx.query.get('status');
  let showing: ActionStatus = (ACTION_STATUSES as readonly string[]).includes(asked ?? '') ? (asked as ActionStatus) : 'open';
  const status = feedback();
  const count = h('p', { class: 'actions-count', role: 'status', 'aria-live': 'polite' });
  const list = h('ul', { class: 'action-list my-actions', 'aria-label': t('myActions.title') });
  // Actions changed here stay in view (with "Rouvrir") until another filter is chosen.
  const recent = new Map<string, Action>();
  let lastKey = '';

  const filterId = uid('show');
  const filter = h(
    'fieldset',
    { class: 'answer-group show-filter' },
    h('legend', null, t('myActions.show')),
    ACTION_STATUSES.map((s) => {
      const id = uid(`show-${s}`);
      const radio = h('input', { type: 'radio', id, name: filterId, value: s, props: { checked: s === showing } });
      radio.addEventListener('change', () => {
        showing = s;
        recent.clear();
        lastKey = '';
        history.replaceState(history.state, '', s === 'open' ? location.pathname : `${location.pathname}?status=${s}`);
        void load();
      });
      return h('span', { class: 'choice' }, radio, h('label', { for: id }, t(`myActions.show.${s}`)));
    }),
  );

  const load = async () => {
    const wanted = showing;
    let actions: Action[];
    try {
      actions = await api.myActions(wanted);
    } catch (error) {
      status.error(error);
      return;
    }
    if (ctx.signal.aborted || wanted !== showing) return;
    const shown = mergeRecent(actions, recent);
    const key = JSON.stringify(shown);
    if (key === lastKey) return;
    lastKey = key;
    const overdue = shown.filter((a) => a.overdue).length;
    setText(count, shown.length === 0 ? t(`myActions.none.${wanted}`) : tn('myActions.count', shown.length, { overdue }));
    rerender(list, () =>
      shown.map((a) =>
        actionLine(a, {
          canChange: true,
          showOrigin: true,
          status,
          onChanged: (updated) => {
            recent.set(updated.id, updated);
            void load();
          },
        }),
      ),
    );
  };

  replace(ctx.main, h('h1', null, t('myActions.title')), h('p', null, t('myActions.intro')), filter, count, status.el, list);
  await load();
  onChange(ctx, load);
}
