/**
 * One section of the project document (the brief or a partner's mission): a textarea bound to
 * its Y.Text, saved live (websocket) or by PUT (http mode), and for a mission the agreement
 * bound to the content hash of the text shown.
 */

import * as Y from 'yjs';
import { type Agreement, type Section, api } from '../api';
import { type ViewContext, onChange } from '../app';
import { h, setText, uid } from '../dom';
import { t } from '../i18n';
import type { LiveSession } from '../live';
import { bindText } from '../textbinding';
import { announce, busy, errorMessage, feedback } from '../ui';
import { formatDate } from '../dates';

/** Two texts that the server hashes alike (NFC, LF line ends, no trailing whitespace). */
export function sameContent(a: string, b: string): boolean {
  const norm = (s: string) =>
    s
      .normalize('NFC')
      .replace(/\r\n?/g, '\n')
      .split('\n')
      .map((line) => line.replace(/\s+$/u, ''))
      .join('\n')
      .replace(/\n+$/, '');
  return norm(a) === norm(b);
}

export interface SectionOptions {
  projectId: string;
  live: LiveSession;
  /** `brief`, or a mission's organization id. */
  kind: 'brief' | 'mission';
  organizationId?: string;
  organizationName?: string;
  /** The caller may agree on behalf of this organization (member, accepted). */
  canAgree: boolean;
  /** The caller is a member of this organization but it has not accepted yet. */
  mustAcceptFirst: boolean;
}

export function sectionEditor(ctx: ViewContext, opts: SectionOptions): HTMLElement {
  const { live, projectId } = opts;
  const key = opts.kind === 'brief' ? 'brief' : `mission:${opts.organizationId}`;
  const title = opts.kind === 'brief' ? t('doc.brief') : t('doc.mission', { organization: opts.organizationName ?? '' });
  const help = opts.kind === 'brief' ? t('doc.briefHelp') : t('doc.missionHelp', { organization: opts.organizationName ?? '' });
  const headingId = uid('section');
  const helpId = uid('help');
  const textarea = h('textarea', { id: uid('text'), rows: 6, 'aria-labelledby': headingId, 'aria-describedby': helpId, class: 'doc-text' });
  textarea.disabled = true;
  const status = feedback();
  const agreementLine = h('p', { class: 'agreement-state' });
  const versionLine = h('p', { class: 'version' });
  const hint = h('p', { class: 'hint' });
  const agreeButton = h('button', { type: 'button', class: 'primary agree' }, t('agree.button', { organization: opts.organizationName ?? '' }));

  const section = h(
    'section',
    { class: 'doc-section card', 'aria-labelledby': headingId, dataset: { section: key } },
    h('h3', { id: headingId }, title),
    h('p', { class: 'help', id: helpId }, help),
    textarea,
    opts.kind === 'mission' ? [agreementLine, versionLine, opts.canAgree ? agreeButton : null, hint] : versionLine,
    status.el,
  );

  let ytext: Y.Text | null = null;
  let shown: (Section & { agreement?: Agreement | null }) | null = null;

  const renderState = () => {
    const text = ytext?.toString() ?? '';
    const bound = shown !== null && sameContent(shown.text, text);
    // What an agreement would record: this very text (its fingerprint for the curious, on hover).
    setText(versionLine, shown && bound ? t('doc.version') : '');
    versionLine.title = shown && bound ? shown.content_hash : '';
    if (opts.kind !== 'mission') return;
    const org = opts.organizationName ?? '';
    const agreement = shown?.agreement ?? null;
    let stateText: string;
    if (!agreement) stateText = t('agree.none', { organization: org });
    else if (agreement.decision === 'object') stateText = t('agree.objected', { organization: org, date: formatDate(agreement.created_at) });
    else if (agreement.current) stateText = t('agree.current', { organization: org, date: formatDate(agreement.created_at) });
    else stateText = t('agree.stale', { organization: org, date: formatDate(agreement.created_at) });
    setText(agreementLine, stateText);
    agreementLine.dataset.state = !agreement ? 'none' : agreement.decision === 'object' ? 'objected' : agreement.current ? 'current' : 'stale';
    const emptyText = text.trim() === '';
    agreeButton.disabled = !bound || emptyText || (agreement?.current === true && agreement.decision === 'agree');
    let hintText = '';
    if (opts.mustAcceptFirst) hintText = t('agree.mustAccept');
    else if (opts.canAgree && emptyText) hintText = t('agree.emptyText');
    else if (opts.canAgree && shown && !bound) hintText = t('agree.waitSync');
    setText(hint, hintText);
  };

  const fetchSection = (): Promise<Section & { agreement?: Agreement | null }> =>
    opts.kind === 'brief' ? api.brief(projectId) : api.mission(projectId, opts.organizationId!);

  let refreshing = false;
  const refresh = async () => {
    if (refreshing || ctx.signal.aborted) return;
    refreshing = true;
    try {
      const data = await fetchSection();
      if (ctx.signal.aborted || !ytext) return;
      // A message about another version ("approved…") would mislead once the text changed.
      if (shown && shown.content_hash !== data.content_hash) status.clear();
      shown = data;
      renderState();
    } catch {
      /* the next round will try again; errors of user actions are shown where they happen */
    } finally {
      refreshing = false;
    }
  };

  let debounce: number | undefined;
  const refreshSoon = () => {
    window.clearTimeout(debounce);
    debounce = window.setTimeout(() => void refresh(), 700);
  };

  agreeButton.addEventListener('click', () => {
    if (!shown || !opts.organizationId) return;
    const hash = shown.content_hash;
    void busy(agreeButton, async () => {
      try {
        await api.agreeMission(projectId, opts.organizationId!, hash, 'agree');
        status.ok(t('agree.done'));
        announce(t('agree.done'));
      } catch (error) {
        status.error(errorMessage(error));
      }
      await refresh();
    });
  });

  textarea.addEventListener('focus', () => live.setSection(key));
  textarea.addEventListener('blur', () => live.setSection(null));

  void (async () => {
    await live.whenSynced();
    if (ctx.signal.aborted) return;
    if (opts.kind === 'brief') {
      ytext = live.brief();
    } else {
      const existing = live.missions().get(opts.organizationId!);
      ytext = existing instanceof Y.Text ? existing : live.mission(opts.organizationId!);
    }
    const unbind = bindText(ytext, textarea, () => {
      renderState();
      refreshSoon();
    });
    const yt = ytext;
    const observer = () => {
      renderState();
      refreshSoon();
    };
    yt.observe(observer);
    ctx.onLeave(() => {
      unbind();
      yt.unobserve(observer);
      window.clearTimeout(debounce);
    });
    textarea.disabled = false;
    renderState();
    await refresh();
    onChange(ctx, refresh);
  })();

  return section;
}
