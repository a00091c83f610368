/**
 * Entry point: wires the static page to the i18n and health modules.
 * All server-provided text goes through `textContent`, never through HTML.
 */

import './style.css';
import {
  LOCALE_STORAGE_KEY,
  type Locale,
  type MessageKey,
  getLocale,
  isLocale,
  messages,
  pickLocale,
  setLocale,
  t,
} from './i18n';
import { type HealthResult, type HealthView, describeHealth, fetchHealth, loadingHealth } from './health';

export const REFRESH_MS = 10_000;

function readStoredLocale(): string | null {
  try {
    return window.localStorage.getItem(LOCALE_STORAGE_KEY);
  } catch {
    return null; // storage disabled (private mode, policy)
  }
}

function storeLocale(locale: Locale): void {
  try {
    window.localStorage.setItem(LOCALE_STORAGE_KEY, locale);
  } catch {
    /* the choice then lasts for this page only */
  }
}

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
}

const statusBox = byId<HTMLDivElement>('health-status');
const statusLabel = byId<HTMLSpanElement>('health-label');
const statusText = byId<HTMLSpanElement>('health-text');
const checkedAt = byId<HTMLSpanElement>('health-checked');
const langSwitch = byId<HTMLDivElement>('lang-switch');

/** Last answer received (null before the first one), kept to re-render on language change. */
let lastResult: HealthResult | null = null;
let lastCheckedAt: Date | null = null;

function renderStatic(): void {
  const locale = getLocale();
  document.documentElement.lang = locale;
  document.title = t('page.title');
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const key = el.dataset.i18n;
    if (key && key in messages[locale]) el.textContent = t(key as MessageKey);
  }
  langSwitch.setAttribute('aria-label', t('lang.label'));
  for (const button of langSwitch.querySelectorAll<HTMLButtonElement>('button[data-locale]')) {
    button.setAttribute('aria-pressed', String(button.dataset.locale === locale));
  }
}

function renderHealth(): void {
  const locale = getLocale();
  const health: HealthView =
    lastResult === null ? loadingHealth(locale) : describeHealth(lastResult.status, lastResult.body, locale);
  statusBox.dataset.state = health.state;
  // Only touch the live region when something changed, so that screen readers
  // are not told the same thing every 10 seconds.
  if (statusLabel.textContent !== health.label) statusLabel.textContent = health.label;
  if (statusText.textContent !== health.text) statusText.textContent = health.text;
  checkedAt.textContent =
    lastCheckedAt === null
      ? ''
      : t('health.lastChecked', {
          time: new Intl.DateTimeFormat(locale, { timeStyle: 'medium' }).format(lastCheckedAt),
        });
}

function applyLocale(locale: Locale): void {
  setLocale(locale);
  renderStatic();
  renderHealth();
}

let timer: ReturnType<typeof setTimeout> | undefined;
let inFlight = false;

async function refresh(): Promise<void> {
  if (inFlight) return;
  inFlight = true;
  clearTimeout(timer);
  statusBox.setAttribute('aria-busy', 'true');
  try {
    lastResult = await fetchHealth();
    lastCheckedAt = new Date();
    renderHealth();
  } finally {
    statusBox.removeAttribute('aria-busy');
    inFlight = false;
    timer = setTimeout(() => void refresh(), REFRESH_MS);
  }
}

langSwitch.addEventListener('click', (event) => {
  const button = (event.target as Element | null)?.closest<HTMLButtonElement>('button[data-locale]');
  const locale = button?.dataset.locale;
  if (!isLocale(locale) || locale === getLocale()) return;
  storeLocale(locale);
  applyLocale(locale);
});

// Check right away when the tab comes back after having been hidden for a while.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && lastCheckedAt && Date.now() - lastCheckedAt.getTime() >= REFRESH_MS) {
    void refresh();
  }
});

applyLocale(pickLocale(navigator.language, readStoredLocale()));
void refresh();
