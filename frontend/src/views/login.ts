/** Login by magic link: the email form ("check your mail") and the `/login?token=…` exchange. */

import { api } from '../api';
import { type ViewContext, loadMe, shell, takeNext } from '../app';
import { h, replace } from '../dom';
import { isLocale, setLocale, t } from '../i18n';
import { safeNext } from '../router';
import { busy, feedback, field, flagField } from '../ui';

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
        const sent = h('div', { class: 'card stack sent', role: 'status', tabindex: '-1' }, h('p', { class: 'lead' }, t('login.sent', { email: address })), again);
        replace(ctx.main, h('h1', null, t('login.title')), sent);
        sent.focus();
      } catch (error) {
        flagField(form, error);
        status.error(error);
      }
    });
  });
  replace(
    ctx.main,
    heading,
    h('p', { class: 'tagline' }, t('app.tagline')),
    h('p', null, t('app.description')),
    h('p', null, t('login.intro')),
    form,
  );
}

export async function loginView(ctx: ViewContext): Promise<void> {
  const token = ctx.query.get('token');
  const project = ctx.query.get('project');
  const status = h('p', { role: 'status', class: 'lead' }, t('login.exchanging'));
  replace(ctx.main, h('h1', null, t('login.title')), status);
  // The token is single use: do not leave it in the address bar or the history.
  history.replaceState(null, '', '/login');
  if (!token) {
    status.textContent = t('login.missingToken');
    ctx.main.append(h('p', null, h('a', { href: '/', 'data-nav': true }, t('login.submit'))));
    return;
  }
  try {
    await api.createSession(token);
  } catch {
    status.setAttribute('role', 'alert');
    status.textContent = t('login.failed');
    ctx.main.append(h('p', null, h('a', { href: '/', 'data-nav': true }, t('login.submit'))));
    return;
  }
  const me = await loadMe();
  if (me && isLocale(me.user.locale)) setLocale(me.user.locale);
  shell.refresh();
  const projectPath = project && /^[0-9a-fA-F-]{36}$/.test(project) ? `/projects/${project}` : null;
  ctx.navigate(projectPath ?? safeNext(ctx.query.get('next')) ?? safeNext(takeNext()) ?? '/', { replace: true });
}
