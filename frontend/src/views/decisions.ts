/**
 * Decisions and their actions, as shown on a meeting's "Décisions" tab, in the project's register
 * and in "my organization's actions": a decision card (status, text, each partner's position, its
 * actions), an action line (due date, overdue, status changes), the form that records a decision
 * with the positions grid and its actions, and "mark as held".
 */

import { type Action, type ActionStatus, type Decision, type DecisionStatus, type Meeting, type Partnership, type ProjectDetail, api } from '../api';
import { type ViewContext, onChange, session } from '../app';
import { h, replace, setText, uid } from '../dom';
import {
  DECISION_STATUSES,
  POSITIONS,
  type ActionDraft,
  type PositionRow,
  canChangeAction,
  checkActionDrafts,
  decisionWarnings,
  dueLabel,
  emptyActionDraft,
  fillPositions,
  missingPositions,
  nextStatuses,
  positionCounts,
  positionsGrid,
  positionsPayload,
  setComment,
  setPosition,
  sortActions,
  todayIn,
} from '../followup';
import { getLocale, t, tn } from '../i18n';
import { announce, busy, confirmDialog, errorMessage, feedback, field, flagField, rerender } from '../ui';
import { formatDate } from '../dates';

export interface FollowUpRights {
  isInitiator: boolean;
  /** The caller's organizations (for "members of the owner organization"). */
  organizationIds: string[];
}

export function rightsFor(project: ProjectDetail): FollowUpRights {
  return { isInitiator: project.is_initiator === true, organizationIds: (session.me?.organizations ?? []).map((o) => o.id) };
}

export function acceptedPartners(partners: Partnership[]): Array<{ id: string; name: string }> {
  return partners.filter((p) => p.status === 'accepted').map((p) => ({ id: p.organization_id, name: p.organization_name }));
}

// ---------------------------------------------------------------------------------------------
// One action

export interface ActionLineOptions {
  canChange: boolean;
  /** Show the project and decision it comes from ("my actions"). */
  showOrigin?: boolean;
  onChanged(action: Action): void;
  status: { ok(text: string): void; error(e: unknown): void };
}

export function actionLine(action: Action, opts: ActionLineOptions): HTMLElement {
  const locale = getLocale();
  const due = dueLabel(action, todayIn(), locale);
  const buttons = opts.canChange
    ? nextStatuses(action.status).map((to) => {
        const button = h(
          'button',
          {
            type: 'button',
            class: to === 'done' ? 'primary small' : 'secondary small',
            'aria-label': t(`action.toFor.${to}`, { title: action.title }),
            dataset: { focusKey: `${action.id}:${to}`, to },
          },
          t(`action.to.${to}`),
        );
        button.addEventListener('click', () => void changeStatus(action, to, button, opts));
        return button;
      })
    : [];
  return h(
    'li',
    { class: `action card tone-${due.tone}`, dataset: { actionId: action.id, status: action.status, overdue: String(action.overdue) } },
    h(
      'p',
      { class: 'action-head' },
      h('strong', { class: 'action-title' }, action.title),
      ' ',
      h('span', { class: `badge action-${action.status}` }, t(`action.status.${action.status}`)),
      action.overdue ? [' ', h('span', { class: 'badge overdue' }, t('action.overdue'))] : null,
    ),
    h('p', { class: `due due-${due.tone}` }, due.text),
    h('p', { class: 'muted' }, t('action.owner', { organization: action.owner_organization_name })),
    opts.showOrigin
      ? h(
          'p',
          { class: 'muted' },
          h(
            'a',
            { href: `/projects/${encodeURIComponent(action.project_id)}/decisions`, 'data-nav': true },
            t('myActions.project', { title: action.project_title }),
          ),
          ' · ',
          t('myActions.decision', { title: action.decision_title }),
        )
      : null,
    action.status !== 'open'
      ? h('p', { class: 'muted small' }, t('action.updatedBy', { name: action.updated_by_name, date: formatDate(action.updated_at) }))
      : null,
    buttons.length ? h('div', { class: 'actions' }, buttons) : null,
  );
}

async function changeStatus(action: Action, to: ActionStatus, button: HTMLButtonElement, opts: ActionLineOptions): Promise<void> {
  if (to === 'cancelled') {
    const ok = await confirmDialog(t('action.to.cancelled'), [t('action.toFor.cancelled', { title: action.title }) + ' ?'], t('action.to.cancelled'));
    if (!ok) return;
  }
  await busy(button, async () => {
    try {
      const updated = await api.setActionStatus(action.id, to);
      const text = t('action.changed', { title: updated.title, status: t(`action.status.${updated.status}`) });
      opts.status.ok(text);
      announce(text);
      opts.onChanged(updated);
    } catch (error) {
      opts.status.error(error);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// One decision

export interface DecisionCardOptions {
  rights: FollowUpRights;
  partners: Array<{ id: string; name: string }>;
  /** Agenda item titles by id, when known. */
  items?: Map<string, string>;
  showMeeting?: boolean;
  /** Called after an action was added or changed. */
  onChanged(): void;
  status: { ok(text: string): void; error(e: unknown): void };
}

export function decisionCard(decision: Decision, opts: DecisionCardOptions): HTMLElement {
  const titleId = `decision-${decision.id}`;
  const counts = positionCounts(decision.positions);
  const item = decision.agenda_item_id ? opts.items?.get(decision.agenda_item_id) : undefined;
  const actions = sortActions(decision.actions);
  return h(
    'article',
    { class: 'decision card', 'aria-labelledby': titleId, dataset: { decisionId: decision.id, status: decision.status } },
    h('h3', { id: titleId }, decision.title, ' ', h('span', { class: `badge decision-${decision.status}` }, t(`decision.status.${decision.status}`))),
    h(
      'p',
      { class: 'muted' },
      opts.showMeeting ? [t('decision.meeting', { title: decision.meeting_title }), ' · '] : null,
      item ? [t('decision.item', { title: item }), ' · '] : null,
      t('decision.by', { name: decision.created_by_name, date: formatDate(decision.created_at) }),
    ),
    decision.recorded_before_meeting ? h('p', { class: 'notice before-meeting' }, t('decision.recordedBeforeMeeting')) : null,
    decision.text ? h('p', { class: 'decision-text' }, decision.text) : null,
    h('h4', null, t('positions.title')),
    decision.positions.length === 0
      ? h('p', { class: 'muted' }, t('positions.none'))
      : [
          h('p', { class: 'small' }, (['consent', 'objection', 'abstention'] as const).map((p) => tn(`positions.${p}`, counts[p])).join(' · ')),
          h(
            'ul',
            { class: 'positions' },
            decision.positions.map((p) =>
              h(
                'li',
                { dataset: { position: p.position, org: p.organization_id } },
                p.comment
                  ? t('positions.lineComment', { organization: p.organization_name, position: t(`position.${p.position}`), comment: p.comment })
                  : t('positions.line', { organization: p.organization_name, position: t(`position.${p.position}`) }),
              ),
            ),
          ),
        ],
    h('h4', null, t('actions.title')),
    actions.length === 0
      ? h('p', { class: 'muted' }, t('actions.none'))
      : h(
          'ul',
          { class: 'action-list' },
          actions.map((a) => actionLine(a, { canChange: canChangeAction(a, opts.rights), onChanged: () => opts.onChanged(), status: opts.status })),
        ),
    opts.rights.isInitiator ? addActionForm(decision, opts) : null,
  );
}

function ownerSelect(id: string, partners: Array<{ id: string; name: string }>, name = 'owner_organization_id'): HTMLSelectElement {
  return h(
    'select',
    { id, name, required: true },
    h('option', { value: '' }, t('action.chooseOwner')),
    partners.map((p) => h('option', { value: p.id }, p.name)),
  );
}

function addActionForm(decision: Decision, opts: DecisionCardOptions): HTMLElement {
  const title = field({ label: t('action.field.title'), name: 'title', required: true, maxlength: 300 });
  const ownerId = uid('owner');
  const owner = ownerSelect(ownerId, opts.partners);
  const due = field({ label: t('action.field.due'), name: 'due_on', type: 'date', required: true });
  const submit = h('button', { type: 'submit', class: 'secondary' }, t('action.addRow'));
  const status = feedback();
  const form = h(
    'form',
    { class: 'stack add-action' },
    title.wrap,
    h('div', { class: 'row wrap' }, h('div', { class: 'field' }, h('label', { for: ownerId }, t('action.field.owner')), owner), due.wrap),
    submit,
    status.el,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(submit, async () => {
      try {
        await api.createAction(decision.id, { title: title.input.value.trim(), owner_organization_id: owner.value, due_on: due.input.value });
        status.ok(t('action.added'));
        announce(t('action.added'));
        form.reset();
        opts.onChanged();
      } catch (error) {
        flagField(form, error);
        status.error(error);
      }
    });
  });
  return h('details', { class: 'add-action-box' }, h('summary', null, t('action.add')), form);
}

// ---------------------------------------------------------------------------------------------
// The meeting's "Décisions" tab

export interface DecisionsTabOptions {
  ctx: ViewContext;
  meeting: Meeting;
  project: ProjectDetail;
  partners: Partnership[];
  /** Re-renders the page after the meeting changed (held). */
  reload(): void;
}

export function decisionsTab(opts: DecisionsTabOptions): HTMLElement {
  const { ctx, meeting, project } = opts;
  const rights = rightsFor(project);
  const partners = acceptedPartners(opts.partners);
  const status = feedback();
  const items = new Map<string, string>();
  const list = h('div', { class: 'decision-list', 'aria-live': 'off' }, h('p', null, t('common.loading')));
  let lastKey = '';

  const render = (decisions: Decision[]) => {
    const key = JSON.stringify(decisions) + items.size;
    if (key === lastKey) return;
    lastKey = key;
    rerender(list, () =>
      decisions.length === 0
        ? h('p', { class: 'empty' }, t('decisions.none'))
        : decisions.map((d) => decisionCard(d, { rights, partners, items, onChanged: () => void refresh(), status })),
    );
  };
  const refresh = async () => {
    try {
      render(await api.decisions(project.id, new URLSearchParams({ meeting_id: meeting.id }).toString()));
    } catch (error) {
      replace(list, h('p', { role: 'alert' }, errorMessage(error)));
    }
  };
  const itemsReady = (async () => {
    try {
      for (const item of (await api.agenda(meeting.id)).items) items.set(item.id, item.title);
    } catch {
      /* item titles are a nicety */
    }
  })();
  void itemsReady.then(refresh);
  onChange(ctx, refresh);

  const titleId = uid('decisions');
  return h(
    'section',
    { class: 'decisions-section', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, t('decisions.title')),
    rights.isInitiator ? heldBox(opts) : null,
    h(
      'p',
      null,
      h(
        'a',
        { href: `/projects/${encodeURIComponent(project.id)}/decisions?${new URLSearchParams({ meeting_id: meeting.id })}`, 'data-nav': true },
        t('register.link'),
      ),
    ),
    list,
    status.el,
    rights.isInitiator ? decisionForm(opts, partners, items, itemsReady, refresh) : h('p', { class: 'muted' }, t('decisions.readOnly')),
  );
}

function heldBox(opts: DecisionsTabOptions): HTMLElement | null {
  const { meeting } = opts;
  if (meeting.status !== 'convened') return null;
  const started = meeting.starts_at !== null && new Date(meeting.starts_at).getTime() <= Date.now();
  const hintId = uid('held-hint');
  const button = h('button', { type: 'button', class: 'secondary', disabled: !started, 'aria-describedby': started ? undefined : hintId }, t('held.button'));
  const status = feedback();
  button.addEventListener('click', async () => {
    const ok = await confirmDialog(t('held.button'), [t('held.confirm')], t('held.button'));
    if (!ok) return;
    await busy(button, async () => {
      try {
        await api.markHeld(meeting.id);
        announce(t('held.done'));
        opts.reload();
      } catch (error) {
        status.error(error);
      }
    });
  });
  return h('div', { class: 'held-box' }, button, started ? null : h('p', { class: 'hint', id: hintId }, t('held.notYet')), status.el);
}

function decisionForm(
  opts: DecisionsTabOptions,
  partners: Array<{ id: string; name: string }>,
  items: Map<string, string>,
  itemsReady: Promise<void>,
  refresh: () => Promise<void>,
): HTMLElement {
  const titleId = uid('new-decision');
  const formId = uid('decision-form');
  const title = field({ label: t('decision.field.title'), name: 'title', required: true, maxlength: 300 });
  const text = field({ label: t('decision.field.text'), name: 'text', multiline: true, rows: 3 });
  const itemId = uid('item');
  const item = h('select', { id: itemId, name: 'agenda_item_id' }, h('option', { value: '' }, t('decision.noItem')));
  const fillItems = () => {
    const chosen = item.value;
    replace(
      item,
      h('option', { value: '' }, t('decision.noItem')),
      [...items].map(([id, label]) => h('option', { value: id }, label)),
    );
    item.value = chosen;
  };
  fillItems();
  void itemsReady.then(fillItems);
  const statusGroup = h(
    'fieldset',
    { class: 'answer-group decision-status' },
    h('legend', null, t('decision.field.status')),
    DECISION_STATUSES.map((s) => {
      const id = uid(`status-${s}`);
      return h(
        'span',
        { class: 'choice' },
        h('input', { type: 'radio', id, name: `${formId}-status`, value: s, checked: s === 'adopted' }),
        h('label', { for: id }, t(`decision.status.${s}`)),
      );
    }),
  );

  // The positions grid: one row per accepted partner.
  let grid: PositionRow[] = positionsGrid(partners);
  const missingLine = h('p', { class: 'hint', 'aria-live': 'polite' });
  const renderMissing = () => {
    const missing = missingPositions(grid);
    setText(missingLine, missing.length ? t('positions.missingHint', { names: missing.join(', ') }) : '');
  };
  const radios = new Map<string, HTMLInputElement>();
  const comments = new Map<string, HTMLInputElement>();
  const rows = grid.map((row) => {
    const name = `${formId}-pos-${row.organization_id}`;
    const cells = POSITIONS.map((position) => {
      const radio = h('input', {
        type: 'radio',
        name,
        value: position,
        'aria-label': t('positions.choiceFor', { position: t(`position.${position}`), organization: row.organization_name }),
        dataset: { position },
      });
      radio.addEventListener('change', () => {
        grid = setPosition(grid, row.organization_id, position);
        renderMissing();
      });
      radios.set(`${row.organization_id}:${position}`, radio);
      return h(
        'td',
        { class: 'pos' },
        h('label', { class: 'pos-choice' }, radio, h('span', { class: 'pos-label', 'aria-hidden': 'true' }, t(`position.${position}`))),
      );
    });
    const comment = h('input', {
      type: 'text',
      maxlength: 2000,
      'aria-label': t('positions.commentFor', { organization: row.organization_name }),
      class: 'pos-comment',
    });
    comment.addEventListener('input', () => {
      grid = setComment(grid, row.organization_id, comment.value);
    });
    comments.set(row.organization_id, comment);
    return h('tr', { dataset: { org: row.organization_id } }, h('th', { scope: 'row' }, row.organization_name), cells, h('td', { class: 'comment' }, comment));
  });
  const fill = h('button', { type: 'button', class: 'secondary small' }, t('positions.allConsent'));
  fill.addEventListener('click', () => {
    grid = fillPositions(grid, 'consent');
    for (const row of grid) if (row.position) radios.get(`${row.organization_id}:${row.position}`)!.checked = true;
    renderMissing();
  });
  const positionsTitleId = uid('positions');
  const positionsBox = h(
    'div',
    { class: 'positions-box', role: 'group', 'aria-labelledby': positionsTitleId },
    h('h4', { id: positionsTitleId }, t('positions.title')),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'positions-grid' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { scope: 'col' }, t('positions.partner')),
            POSITIONS.map((p) => h('th', { scope: 'col' }, t(`position.${p}`))),
            h('th', { scope: 'col' }, t('positions.comment')),
          ),
        ),
        h('tbody', null, rows),
      ),
    ),
    h('div', { class: 'row wrap' }, fill),
    missingLine,
  );
  renderMissing();

  // Actions typed with the decision.
  const draftList = h('ol', { class: 'action-drafts' });
  const addDraft = h('button', { type: 'button', class: 'secondary small' }, t('action.addRow'));
  const draftRow = (draft: ActionDraft) => {
    const titleInput = h('input', { type: 'text', maxlength: 300, dataset: { draft: 'title' } });
    titleInput.value = draft.title;
    const tId = uid('draft-title');
    titleInput.id = tId;
    const oId = uid('draft-owner');
    const owner = ownerSelect(oId, partners, 'draft_owner');
    owner.required = false;
    owner.dataset.draft = 'owner';
    const dId = uid('draft-due');
    const due = h('input', { type: 'date', id: dId, dataset: { draft: 'due_on' } });
    const legend = h('legend');
    const remove = h('button', { type: 'button', class: 'icon danger', dataset: { draft: 'remove' } }, '✕');
    const row = h(
      'li',
      null,
      h(
        'fieldset',
        { class: 'action-draft' },
        legend,
        h('div', { class: 'field' }, h('label', { for: tId }, t('action.field.title')), titleInput),
        h(
          'div',
          { class: 'row wrap' },
          h('div', { class: 'field' }, h('label', { for: oId }, t('action.field.owner')), owner),
          h('div', { class: 'field' }, h('label', { for: dId }, t('action.field.due')), due),
          remove,
        ),
      ),
    );
    remove.addEventListener('click', () => {
      const next = row.nextElementSibling ?? row.previousElementSibling;
      row.remove();
      numberDrafts();
      ((next?.querySelector('input') as HTMLElement | null) ?? addDraft).focus();
    });
    return row;
  };
  const numberDrafts = () => {
    [...draftList.children].forEach((li, i) => {
      setText(li.querySelector('legend')!, t('action.row', { n: i + 1 }));
      li.querySelector('[data-draft="remove"]')!.setAttribute('aria-label', t('action.removeRow', { n: i + 1 }));
    });
  };
  addDraft.addEventListener('click', () => {
    const row = draftRow(emptyActionDraft());
    draftList.append(row);
    numberDrafts();
    row.querySelector<HTMLInputElement>('input')?.focus();
  });
  // A field flagged as missing is unflagged as soon as it is filled in.
  for (const type of ['input', 'change']) {
    draftList.addEventListener(type, (event) => {
      const el = event.target as HTMLElement;
      if (el.getAttribute('aria-invalid') === 'true' && (el as HTMLInputElement).value !== '') el.removeAttribute('aria-invalid');
    });
  }
  const readDrafts = (): ActionDraft[] =>
    [...draftList.children].map((li) => ({
      title: li.querySelector<HTMLInputElement>('[data-draft="title"]')!.value,
      owner_organization_id: li.querySelector<HTMLSelectElement>('[data-draft="owner"]')!.value,
      due_on: li.querySelector<HTMLInputElement>('[data-draft="due_on"]')!.value,
    }));
  const resetDrafts = () => {
    replace(draftList, draftRow(emptyActionDraft()));
    numberDrafts();
  };
  resetDrafts();
  const actionsTitleId = uid('drafts');

  const status = feedback();
  const submit = h('button', { type: 'submit', class: 'primary' }, t('decision.submit'));
  const form = h(
    'form',
    { class: 'stack decision-form', id: formId, 'aria-labelledby': titleId, novalidate: true },
    title.wrap,
    text.wrap,
    h('div', { class: 'field' }, h('label', { for: itemId }, t('decision.field.item')), item),
    statusGroup,
    positionsBox,
    h('div', { role: 'group', 'aria-labelledby': actionsTitleId }, h('h4', { id: actionsTitleId }, t('action.draftsTitle')), draftList, addDraft),
    submit,
    status.el,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    const decisionTitle = title.input.value.trim();
    if (!decisionTitle) {
      title.input.setAttribute('aria-invalid', 'true');
      title.input.focus();
      status.error(t('error.invalid_field', { field: t('decision.field.title') }));
      return;
    }
    const drafts = checkActionDrafts(readDrafts());
    if (drafts.problems.size > 0) {
      const sentences: string[] = [];
      let first: HTMLElement | null = null;
      for (const [index, missing] of drafts.problems) {
        const li = draftList.children[index]!;
        for (const m of missing) {
          const el = li.querySelector<HTMLElement>(`[data-draft="${m}"]`);
          el?.setAttribute('aria-invalid', 'true');
          first ??= el;
        }
        sentences.push(t('action.incomplete', { n: index + 1, fields: missing.map((m) => t(`action.missing.${m}`)).join(', ') }));
      }
      status.error(sentences.join(' '));
      first?.focus();
      return;
    }
    const chosenStatus = (form.querySelector<HTMLInputElement>(`input[name="${formId}-status"]:checked`)?.value ?? 'adopted') as DecisionStatus;
    void busy(submit, async () => {
      // Allowed, but not by a slip of the hand: before the meeting, or adopted over an objection.
      const warnings = decisionWarnings(chosenStatus, positionsPayload(grid), opts.meeting.starts_at);
      if (warnings.length > 0) {
        const ok = await confirmDialog(
          t('decision.confirmTitle'),
          warnings.map((w) => t(`decision.warning.${w}`)),
          t('decision.submit'),
        );
        if (!ok) return;
      }
      let decision: Decision;
      try {
        decision = await api.createDecision(opts.meeting.id, {
          title: decisionTitle,
          text: text.input.value.trim(),
          status: chosenStatus,
          positions: positionsPayload(grid),
          ...(item.value ? { agenda_item_id: item.value } : {}),
        });
      } catch (error) {
        flagField(form, error);
        status.error(error);
        return;
      }
      let created = 0;
      for (const action of drafts.actions) {
        try {
          await api.createAction(decision.id, action);
          created += 1;
        } catch (error) {
          status.error(t('decision.actionsFailed', { title: action.title, error: errorMessage(error) }));
          await refresh();
          return;
        }
      }
      const done = created ? tn('decision.savedWithActions', created, { title: decision.title }) : t('decision.saved', { title: decision.title });
      status.ok(done);
      announce(done);
      form.reset();
      grid = positionsGrid(partners);
      for (const c of comments.values()) c.value = '';
      renderMissing();
      resetDrafts();
      await refresh();
    });
  });
  return h('section', { class: 'card new-decision', 'aria-labelledby': titleId }, h('h3', { id: titleId }, t('decision.new')), form);
}
