/** Login by magic link: the email form ("check your mail") and the `/login?token=…` exchange. */

import { ApiError, type SessionResult, api } from '../api';
import { type ViewContext, loadMe, shell, takeNext } from '../app';
import { h, replace } from '../dom';
import { isLocale, setLocale, t } from '../i18n';
import { safeNext } from '../router';
import { afterLogin, refusedLinkMessage } from '../membership';
import { announce, busy, errorMessage, feedback, field, flagField } from '../ui';

export function landingView(ctx: ViewContext): void {
  const heading = h('h1', null, t('login.title'));
  const email = field({ label: t('login.email'), name: 'email', type: 'email', required: true, autocomplete: 'email' });
  const status = feedback();
  const submit = h('button', { type: 'submit', class: 'primary' }, t('login.submit'));
  const form = h('form', { class: 'card stack', novalidate: false }, email.wrap, submit, status.el);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const address = email.input.value.trim();
    void busy(submit, async () => {
      try {
        await api.requestLink(address);
        const again = h('button', { type: 'button', class: 'link', onclick: () => landingView(ctx) }, t('login.again'));
        const sent = h(
          'div',
          { class: 'card stack sent', role: 'status', tabindex: '-1' },
          h('p', { class: 'lead' }, t('login.sent', { email: address })),
          again,
        );
        replace(ctx.main, h('h1', null, t('login.title')), sent);
        sent.focus();
      } catch (error) {
        flagField(form, error);
        status.error(error);
      }
    });
  });
  replace(ctx.main, heading, h('p', { class: 'tagline' }, t('app.tagline')), h('p', null, t('app.description')), h('p', null, t('login.intro')), form);
}

/**
 * `/login?token=…`: the link's token is used only when the person clicks (mail scanners open
 * links; a login that happened on opening would burn single-use links and could log a browser
 * in without its user asking). A refused link says why and offers a new one.
 */
export function loginView(ctx: ViewContext): void {
  const token = ctx.query.get('token');
  const project = ctx.query.get('project');
  const next = safeNext(ctx.query.get('next'));
  // Not left in the address bar or the history; kept in this page until the click.
  history.replaceState(null, '', '/login');
  if (!token) {
    replace(ctx.main, h('h1', null, t('login.title')), h('p', { role: 'alert' }, t('login.missingToken')), requestForm());
    return;
  }
  const status = h('p', { role: 'status', class: 'lead' });
  const go = h('button', { type: 'button', class: 'primary' }, t('login.continue'));
  go.addEventListener('click', () => {
    void busy(go, async () => {
      status.textContent = t('login.exchanging');
      let result: SessionResult;
      try {
        result = await api.createSession(token);
      } catch (error) {
        const reason = error instanceof ApiError ? error.body.reason : undefined;
        replace(
          ctx.main,
          h('h1', null, t('login.title')),
          h('p', { role: 'alert', class: 'lead' }, error instanceof ApiError && error.status === 400 ? t(refusedLinkMessage(reason)) : errorMessage(error)),
          requestForm(),
        );
        return;
      }
      const me = await loadMe();
      if (me && isLocale(me.user.locale)) setLocale(me.user.locale);
      shell.refresh();
      if (result.joined) announce(t('login.joined', { name: result.joined.name }));
      ctx.navigate(afterLogin(result, project, next ?? safeNext(takeNext())), { replace: true });
    });
  });
  replace(
    ctx.main,
    h('h1', null, t('login.continueTitle')),
    h('div', { class: 'card stack' }, h('p', null, project ? t('login.continueConsultation') : t('login.continueIntro')), go, status),
  );
  go.focus();
}

/** The form that sends a new login link, under a refused or incomplete one. */
function requestForm(): HTMLElement {
  const email = field({ label: t('login.email'), name: 'email', type: 'email', required: true, autocomplete: 'email' });
  const status = feedback();
  const submit = h('button', { type: 'submit', class: 'primary' }, t('login.newLink'));
  const form = h('form', { class: 'card stack' }, email.wrap, submit, status.el);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const address = email.input.value.trim();
    void busy(submit, async () => {
      try {
        await api.requestLink(address);
        status.ok(t('login.sent', { email: address }));
      } catch (error) {
        flagField(form, error);
        status.error(error);
      }
    });
  });
  return form;
}
