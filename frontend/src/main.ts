/**
 * Entry point: the page shell (header, language switch, connection line), the router, and the
 * choice of language (the user's profile when signed in, else a stored choice, else the browser).
 * All server-provided text goes through `textContent`, never through HTML.
 */

import './style.css';
import { api, setUnauthenticatedHandler } from './api';
import { type View, type ViewContext, closeLive, hasUnsavedWork, loadMe, rememberNext, session, shell } from './app';
import { h, replace, setText } from './dom';
import { serverEvents } from './events';
import { describeHealth, fetchHealth } from './health';
import { LOCALE_STORAGE_KEY, type Locale, type MessageKey, getLocale, isLocale, messages, pickLocale, setLocale, t } from './i18n';
import { type Route, match, router } from './router';
import { carryMessage } from './ui';
import { accountView } from './views/account';
import { actionsView } from './views/actions';
import { registerView } from './views/register';
import { loginView, landingView } from './views/login';
import { consultationView } from './views/consultation';
import { meetingView } from './views/meeting/index';
import { organizationView } from './views/organization';
import { projectView } from './views/project';
import { projectsView } from './views/projects';

const ROUTES: Route[] = [
  { name: 'home', pattern: '/' },
  { name: 'login', pattern: '/login' },
  { name: 'account', pattern: '/account' },
  { name: 'project', pattern: '/projects/:id' },
  { name: 'register', pattern: '/projects/:id/decisions' },
  { name: 'actions', pattern: '/actions' },
  { name: 'meeting', pattern: '/meetings/:id' },
  { name: 'organization', pattern: '/organizations/:id' },
  { name: 'consultation', pattern: '/consultations/:projectId/:organizationId' },
];

const VIEWS: Record<string, { view: View; auth: boolean }> = {
  home: { view: (ctx) => (session.me ? projectsView(ctx) : landingView(ctx)), auth: false },
  login: { view: loginView, auth: false },
  account: { view: accountView, auth: true },
  project: { view: projectView, auth: true },
  register: { view: registerView, auth: true },
  actions: { view: actionsView, auth: true },
  meeting: { view: meetingView, auth: true },
  organization: { view: organizationView, auth: true },
  consultation: { view: consultationView, auth: true },
};

function readStoredLocale(): string | null {
  try {
    return window.localStorage.getItem(LOCALE_STORAGE_KEY);
  } catch {
    return null;
  }
}

function storeLocale(locale: Locale): void {
  try {
    window.localStorage.setItem(LOCALE_STORAGE_KEY, locale);
  } catch {
    /* the choice then lasts for this page only */
  }
}

const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
const langSwitch = document.getElementById('lang-switch') as HTMLElement;

function renderShell(): void {
  const locale = getLocale();
  document.documentElement.lang = locale;
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const key = el.dataset.i18n;
    if (key && key in messages[locale]) el.textContent = t(key as MessageKey);
  }
  langSwitch.setAttribute('aria-label', t('lang.label'));
  for (const button of langSwitch.querySelectorAll<HTMLButtonElement>('button[data-locale]')) {
    button.setAttribute('aria-pressed', String(button.dataset.locale === locale));
  }
  nav.setAttribute('aria-label', t('nav.main'));
  const me = session.me;
  replace(
    nav,
    me
      ? [
          h('a', { href: '/', 'data-nav': true }, t('nav.projects')),
          h('a', { href: '/actions', 'data-nav': true }, t('nav.actions')),
          // Each organization's name leads to its members page.
          me.organizations.map((o) =>
            h(
              'a',
              { href: `/organizations/${encodeURIComponent(o.id)}`, 'data-nav': true, class: 'nav-org', 'aria-label': t('nav.organization', { name: o.name }) },
              o.name,
            ),
          ),
          h('a', { href: '/account', 'data-nav': true, class: 'who' }, t('nav.account'), h('span', { class: 'who-name' }, ` (${me.user.display_name})`)),
          h('button', { type: 'button', class: 'link', onclick: () => void logout() }, t('nav.logout')),
        ]
      : [],
  );
}

async function logout(): Promise<void> {
  try {
    await api.logout();
  } catch {
    /* logged out anyway */
  }
  closeLive();
  serverEvents.close();
  session.me = null;
  renderShell();
  router.navigate('/');
}

let leave: Array<() => void> = [];
let controller = new AbortController();
let renderCount = 0;

async function render(location: { path: string; query: URLSearchParams }): Promise<void> {
  for (const fn of leave) fn();
  leave = [];
  controller.abort();
  controller = new AbortController();
  const count = ++renderCount;
  const found = match(ROUTES, location.path);
  for (const link of nav.querySelectorAll<HTMLAnchorElement>('a[href]')) {
    if (link.getAttribute('href') === location.path) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const entry = found ? VIEWS[found.name] : undefined;
  if (!found || !entry) {
    document.title = `${t('notfound.title')} — Amont`;
    replace(
      main,
      h('h1', { tabindex: '-1' }, t('notfound.title')),
      h('p', null, t('notfound.text')),
      h('p', null, h('a', { href: '/', 'data-nav': true }, t('nav.projects'))),
    );
    focusHeading();
    return;
  }
  if (entry.auth && !session.me) {
    rememberNext(location.path + (location.query.size ? `?${location.query}` : ''));
    router.navigate('/', { replace: true });
    return;
  }
  if (found.name !== 'project' && found.name !== 'meeting') closeLive();
  const ctx: ViewContext = {
    main,
    params: found.params,
    query: location.query,
    signal: controller.signal,
    onLeave: (fn) => leave.push(fn),
    navigate: (to, opts) => router.navigate(to, opts),
    redraw: (message) => {
      const active = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      keepPlace = { scrollY: window.scrollY, focusKey: message?.focus ?? active?.dataset.focusKey };
      if (message) carryMessage(message.key, message.text);
      router.navigate(location.path + (location.query.size ? `?${location.query}` : ''), { replace: true });
    },
  };
  main.setAttribute('aria-busy', 'true');
  try {
    await entry.view(ctx);
  } finally {
    if (count === renderCount) main.removeAttribute('aria-busy');
  }
  if (count !== renderCount) return;
  const place = keepPlace;
  keepPlace = null;
  if (place) restorePlace(place);
  else focusHeading();
}

/** Where the person was before a redraw (`ViewContext.redraw`). */
let keepPlace: { scrollY: number; focusKey: string | undefined } | null = null;

function restorePlace(place: { scrollY: number; focusKey: string | undefined }): void {
  const again = () => {
    const target = place.focusKey ? main.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(place.focusKey)}"]`) : null;
    target?.focus({ preventScroll: true });
    window.scrollTo(0, place.scrollY);
  };
  again();
  // Sections that draw once the live document is synced make the page taller a moment later.
  window.setTimeout(again, 400);
}

/** After a page change, focus its heading so screen readers announce the new page. */
function focusHeading(): void {
  const heading = main.querySelector<HTMLElement>('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: false });
    document.title = `${heading.textContent ?? ''} — Amont`;
  } else {
    main.focus();
  }
}

langSwitch.addEventListener('click', (event) => {
  const button = (event.target as Element | null)?.closest<HTMLButtonElement>('button[data-locale]');
  const locale = button?.dataset.locale;
  if (!isLocale(locale) || locale === getLocale()) return;
  storeLocale(locale);
  setLocale(locale);
  renderShell();
  showHealth();
  if (session.me) {
    session.me.user.locale = locale;
    void api.updateMe({ locale }).catch(() => undefined);
  }
  router.refresh();
});

window.addEventListener('beforeunload', (event) => {
  if (hasUnsavedWork()) {
    event.preventDefault();
    event.returnValue = t('live.leaveWarning');
  }
});

router.setGuard(() => !hasUnsavedWork() || window.confirm(t('live.leaveWarning')));

setUnauthenticatedHandler(() => {
  if (session.me) {
    session.me = null;
    renderShell();
    router.navigate('/', { replace: true });
  }
});

// The last answer of the health check, shown again in the new language when it changes.
let lastHealth: Awaited<ReturnType<typeof fetchHealth>> | null = null;

async function health(): Promise<void> {
  lastHealth = await fetchHealth();
  showHealth();
}

function showHealth(): void {
  if (!lastHealth) return;
  const view = describeHealth(lastHealth.status, lastHealth.body, getLocale());
  const el = document.getElementById('health-text');
  if (el) {
    el.dataset.state = view.state;
    setText(el, view.label);
    el.title = view.text;
  }
}

async function start(): Promise<void> {
  setLocale(pickLocale(navigator.language, readStoredLocale()));
  const me = await loadMe();
  if (me && isLocale(me.user.locale) && readStoredLocale() === null) setLocale(me.user.locale);
  renderShell();
  void health();
  window.setInterval(() => void health(), 30_000);
  router.start((location) => void render(location));
}

shell.refresh = renderShell;
void start();
