/** The user's account: display name, language, the calendar feed address to copy, and how Amont's messages reach them. */

import { ApiError, type NotificationPreference, type NotificationPreferences, api } from '../api';
import { type ViewContext, closeLive, loadMe, session, shell } from '../app';
import { h, replace, uid } from '../dom';
import { type Locale, isLocale, setLocale, t } from '../i18n';
import { announce, busy, confirmDialog, errorMessage, feedback, field, flagField } from '../ui';

/** Whether the person still has the name made from their address ("lea.martin"), never chosen. */
export function nameNeverChosen(user: { email: string; display_name: string }): boolean {
  return user.display_name === user.email.slice(0, user.email.lastIndexOf('@'));
}

/**
 * Asks a person who never chose a name for it, where they land after their first login: others
 * see it in presence, on the sheet and in attendee lists ("lea.martin" says little).
 */
export function askName(ctx: ViewContext): HTMLElement | null {
  const me = session.me;
  if (!me || !nameNeverChosen(me.user)) return null;
  const titleId = uid('ask-name');
  const name = field({ label: t('askName.label'), name: 'display_name', required: true, maxlength: 120, autocomplete: 'name' });
  const status = feedback();
  const submit = h('button', { type: 'submit', class: 'primary' }, t('common.save'));
  const form = h(
    'form',
    { class: 'card stack ask-name', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, t('askName.title')),
    h('p', null, t('askName.why')),
    name.wrap,
    submit,
    status.el,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(submit, async () => {
      try {
        await api.updateMe({ display_name: name.input.value.trim() });
        await loadMe();
        shell.refresh();
        // The live document's server names each person as they were when they connected:
        // connect again, under the new name.
        closeLive();
        ctx.redraw({ key: 'ask-name', text: t('askName.done', { name: name.input.value.trim() }) });
      } catch (error) {
        flagField(form, error);
        status.error(error);
      }
    });
  });
  return form;
}

export async function accountView(ctx: ViewContext): Promise<void> {
  const me = session.me!;
  const name = field({ label: t('account.name'), name: 'display_name', required: true, value: me.user.display_name, maxlength: 120 });
  const langId = uid('lang');
  const lang = h(
    'select',
    { id: langId, name: 'locale' },
    h('option', { value: 'fr', lang: 'fr' }, t('lang.fr')),
    h('option', { value: 'en', lang: 'en' }, t('lang.en')),
  );
  lang.value = me.user.locale;
  const status = feedback();
  const submit = h('button', { type: 'submit', class: 'primary' }, t('common.save'));
  const form = h(
    'form',
    { class: 'card stack' },
    name.wrap,
    h('div', { class: 'field' }, h('label', { for: langId }, t('account.language')), lang),
    submit,
    status.el,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(submit, async () => {
      try {
        const locale = lang.value as Locale;
        await api.updateMe({ display_name: name.input.value.trim(), locale });
        await loadMe();
        if (isLocale(locale)) {
          setLocale(locale);
          try {
            localStorage.setItem('amont.locale', locale);
          } catch {
            /* this page only */
          }
        }
        shell.refresh();
        announce(t('common.saved'));
        await accountView(ctx);
      } catch (error) {
        flagField(form, error);
        status.error(error);
      }
    });
  });

  replace(ctx.main, h('h1', null, t('account.title')), h('p', null, me.user.email), form, notificationsSection(ctx), feedSection(ctx));
}

/**
 * The calendar subscription. The server keeps only a hash of each address, so it cannot show one
 * again: an address is made on request (each request makes a new one, the older ones keep
 * working), and all of them can be revoked at once.
 */
function feedSection(ctx: ViewContext): HTMLElement {
  const feedBox = h('div', { class: 'feed' });
  const status = feedback();
  const create = h('button', { type: 'button', class: 'primary' }, t('account.feedCreate'));
  const revoke = h('button', { type: 'button', class: 'secondary' }, t('account.feedRevoke'));
  create.addEventListener('click', () => {
    void busy(create, async () => {
      try {
        const { url } = await api.calendarFeed();
        if (ctx.signal.aborted) return;
        replace(feedBox, copyField(url), h('p', { class: 'help' }, t('account.feedKeep')));
        status.clear();
      } catch (error) {
        status.error(error instanceof ApiError && error.notFound ? t('account.feedUnavailable') : errorMessage(error));
      }
    });
  });
  revoke.addEventListener('click', () => {
    void (async () => {
      if (!(await confirmDialog(t('account.feedRevoke'), [t('account.feedRevokeConfirm')], t('account.feedRevoke')))) return;
      await busy(revoke, async () => {
        try {
          await api.revokeCalendarFeeds();
          replace(feedBox);
          status.ok(t('account.feedRevoked'));
        } catch (error) {
          status.error(error);
        }
      });
    })();
  });
  return h(
    'section',
    { class: 'card stack', 'aria-labelledby': 'feed-title' },
    h('h2', { id: 'feed-title' }, t('account.feed')),
    h('p', { class: 'help' }, t('account.feedHelp')),
    feedBox,
    h('div', { class: 'row' }, create, revoke),
    status.el,
  );
}

/** A read-only field with the address and a copy button. */
export function copyField(url: string): HTMLElement {
  const id = uid('feed');
  const input = h('input', { id, type: 'url', readonly: true, class: 'copy-input' });
  input.value = url;
  input.addEventListener('focus', () => input.select());
  const status = feedback();
  const copy = h('button', { type: 'button', class: 'secondary' }, t('common.copy'));
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(url);
    } catch {
      input.select();
      document.execCommand?.('copy');
    }
    status.ok(t('common.copied'));
  });
  return h('div', { class: 'stack' }, h('label', { for: id }, t('account.feedLabel')), h('div', { class: 'row' }, input, copy), status.el);
}

const NOTIFICATION_KINDS = ['requests', 'updates'] as const;
const NOTIFICATION_CHOICES: NotificationPreference[] = ['immediate', 'daily', 'off'];

/** How Amont's messages reach the person, per kind: right away, once a day, never. */
function notificationsSection(ctx: ViewContext): HTMLElement {
  const status = feedback();
  const selects = NOTIFICATION_KINDS.map((kind) => {
    const id = uid(`notify-${kind}`);
    const select = h(
      'select',
      { id, name: kind, disabled: true },
      NOTIFICATION_CHOICES.map((choice) => h('option', { value: choice }, t(`account.notify.${choice}` as const))),
    );
    return { kind, select, wrap: h('div', { class: 'field' }, h('label', { for: id }, t(`account.notify.${kind}` as const)), select) };
  });
  const submit = h('button', { type: 'submit', class: 'primary', disabled: true }, t('common.save'));
  const form = h(
    'form',
    { class: 'card stack', 'aria-labelledby': 'notifications-title' },
    h('h2', { id: 'notifications-title' }, t('account.notifications')),
    h('p', { class: 'help' }, t('account.notificationsHelp')),
    selects.map((s) => s.wrap),
    submit,
    status.el,
  );
  const show = (prefs: NotificationPreferences) => {
    for (const s of selects) {
      s.select.value = prefs[s.kind];
      s.select.disabled = false;
    }
    submit.disabled = false;
  };
  void api
    .notificationPreferences()
    .then((prefs) => {
      if (!ctx.signal.aborted) show(prefs);
    })
    .catch((error: unknown) => status.error(error));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(submit, async () => {
      try {
        const change: Partial<NotificationPreferences> = {};
        for (const s of selects) change[s.kind] = s.select.value as NotificationPreference;
        show(await api.setNotificationPreferences(change));
        status.ok(t('common.saved'));
      } catch (error) {
        status.error(error);
      }
    });
  });
  return form;
}
