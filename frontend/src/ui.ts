/** Shared UI pieces: feedback (aria-live), error sentences, confirmation dialogs, form fields. */

import { ApiError } from './api';
import { type Child, h, replace, setText, uid } from './dom';
import { type MessageKey, messages, t, getLocale } from './i18n';

/** A sentence for any error, in the current language. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return t('error.network');
    const key = `error.${error.code}`;
    if (key in messages[getLocale()]) return t(key as MessageKey);
    if (error.code === 'invalid_input' && error.field) return t('error.invalid_field', { field: error.field });
    return t('error.generic', { status: error.status });
  }
  return t('error.generic', { status: '?' });
}

/** Says something to screen-reader users (and shows it in the page's status line). */
export function announce(text: string): void {
  const region = document.getElementById('announcer');
  if (!region) return;
  // Clearing first makes the same message be announced again.
  region.textContent = '';
  window.setTimeout(() => {
    region.textContent = text;
  }, 30);
}

/** A status line under a form: polite for progress and success, assertive (alert) for errors. */
export function feedback(): { el: HTMLElement; ok(text: string): void; error(text: string | unknown): void; clear(): void } {
  const el = h('p', { class: 'feedback', role: 'status', 'aria-live': 'polite' });
  return {
    el,
    ok(text: string) {
      el.dataset.kind = 'ok';
      el.setAttribute('role', 'status');
      setText(el, text);
    },
    error(value: string | unknown) {
      el.dataset.kind = 'error';
      el.setAttribute('role', 'alert');
      setText(el, typeof value === 'string' ? value : errorMessage(value));
    },
    clear() {
      delete el.dataset.kind;
      setText(el, '');
    },
  };
}

export interface FieldOptions {
  label: string;
  name: string;
  type?: string;
  required?: boolean;
  value?: string;
  autocomplete?: string;
  help?: string;
  multiline?: boolean;
  rows?: number;
  min?: number;
  max?: number;
  maxlength?: number;
}

/** A labelled input or textarea, with optional help text wired by aria-describedby. */
export function field(opts: FieldOptions): { wrap: HTMLElement; input: HTMLInputElement | HTMLTextAreaElement } {
  const id = uid(opts.name);
  const helpId = opts.help ? `${id}-help` : undefined;
  const common = {
    id,
    name: opts.name,
    required: opts.required ?? false,
    autocomplete: opts.autocomplete,
    'aria-describedby': helpId,
    maxlength: opts.maxlength,
  };
  const input = opts.multiline
    ? h('textarea', { ...common, rows: opts.rows ?? 4 })
    : h('input', { ...common, type: opts.type ?? 'text', min: opts.min, max: opts.max });
  if (opts.value !== undefined) input.value = opts.value;
  const label = h('label', { for: id }, opts.label, opts.required ? null : h('span', { class: 'optional' }, ` ${t('common.optional')}`));
  const wrap = h('div', { class: 'field' }, label, opts.help ? h('p', { class: 'help', id: helpId }, opts.help) : null, input);
  return { wrap, input };
}

/** Marks the field named by a 400 answer as invalid and focuses it. */
export function flagField(form: HTMLFormElement, error: unknown): void {
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  if (error instanceof ApiError && error.field) {
    const input = form.querySelector<HTMLElement>(`[name="${CSS.escape(error.field)}"]`);
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  }
}

/** Runs `action` with the submit button disabled and busy state set. */
export async function busy<T>(button: HTMLButtonElement | null, action: () => Promise<T>): Promise<T> {
  if (button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
  }
  try {
    return await action();
  } finally {
    if (button) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  }
}

/**
 * A modal confirmation (`<dialog>`: focus is trapped and Escape cancels natively). Resolves true
 * when confirmed. Focus returns to where it was.
 */
export function confirmDialog(title: string, body: Array<Node | string>, confirmLabel: string): Promise<boolean> {
  const previous = document.activeElement as HTMLElement | null;
  const titleId = uid('dialog-title');
  return new Promise((resolve) => {
    const cancel = h('button', { type: 'button', class: 'secondary', value: 'cancel' }, t('common.cancel'));
    const ok = h('button', { type: 'button', class: 'primary', value: 'ok' }, confirmLabel);
    const dialog = h(
      'dialog',
      { 'aria-labelledby': titleId, class: 'confirm' },
      h('h2', { id: titleId }, title),
      h('div', { class: 'dialog-body' }, ...body),
      h('div', { class: 'actions' }, cancel, ok),
    );
    let result = false;
    const close = (value: boolean) => {
      result = value;
      dialog.close();
    };
    cancel.addEventListener('click', () => close(false));
    ok.addEventListener('click', () => close(true));
    dialog.addEventListener('close', () => {
      dialog.remove();
      previous?.focus?.();
      resolve(result);
    });
    document.body.appendChild(dialog);
    if (typeof dialog.showModal === 'function') dialog.showModal();
    else dialog.setAttribute('open', '');
    cancel.focus();
  });
}

export function formatDate(iso: string): string {
  return new Intl.DateTimeFormat(getLocale(), { dateStyle: 'long', timeStyle: 'short' }).format(new Date(iso));
}

/** The first 12 hex digits of a `sha256:` hash, for display. */
export function shortHash(hash: string): string {
  return hash.replace(/^sha256:/, '').slice(0, 12);
}

export interface TabSpec {
  key: string;
  label: string;
  panel: HTMLElement;
}

/**
 * Tabs as the ARIA pattern has them: a tablist of buttons (one in the tab order, arrows / Home /
 * End move between them and select), each controlling its tabpanel.
 */
export function tabs(label: string, specs: TabSpec[], selected: string, onSelect?: (key: string) => void): HTMLElement {
  const buttons = specs.map((spec) => {
    const tabId = uid(`tab-${spec.key}`);
    const panelId = uid(`panel-${spec.key}`);
    spec.panel.id = panelId;
    spec.panel.setAttribute('role', 'tabpanel');
    spec.panel.setAttribute('aria-labelledby', tabId);
    spec.panel.tabIndex = 0;
    return h('button', { type: 'button', role: 'tab', id: tabId, 'aria-controls': panelId, dataset: { tab: spec.key } }, spec.label);
  });
  const select = (index: number, focus: boolean) => {
    buttons.forEach((b, i) => {
      const on = i === index;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
      specs[i]!.panel.hidden = !on;
    });
    if (focus) buttons[index]!.focus();
    onSelect?.(specs[index]!.key);
  };
  const list = h('div', { role: 'tablist', 'aria-label': label, class: 'tabs' }, buttons);
  buttons.forEach((b, i) => b.addEventListener('click', () => select(i, false)));
  list.addEventListener('keydown', (event) => {
    const current = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (current === -1) return;
    const n = buttons.length;
    const to =
      event.key === 'ArrowRight'
        ? (current + 1) % n
        : event.key === 'ArrowLeft'
          ? (current - 1 + n) % n
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? n - 1
              : -1;
    if (to === -1) return;
    event.preventDefault();
    select(to, true);
  });
  const initial = Math.max(
    0,
    specs.findIndex((s) => s.key === selected),
  );
  buttons.forEach((b, i) => {
    b.setAttribute('aria-selected', String(i === initial));
    b.tabIndex = i === initial ? 0 : -1;
    specs[i]!.panel.hidden = i !== initial;
  });
  return h(
    'div',
    { class: 'tabbed' },
    list,
    specs.map((s) => s.panel),
  );
}

/**
 * Rebuilds `container` with `build()`, giving focus back to the element with the same
 * `data-focus-key` when focus was inside (polling re-renders must not steal the keyboard).
 */
export function rerender(container: Element, build: () => Child): void {
  const active = document.activeElement as HTMLElement | null;
  const key = active && container.contains(active) ? active.dataset.focusKey : undefined;
  const hadFocus = active !== null && container.contains(active);
  replace(container, build());
  if (!hadFocus) return;
  const again = key ? container.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(key)}"]`) : null;
  if (again) again.focus();
  else if (container instanceof HTMLElement) {
    if (!container.hasAttribute('tabindex')) container.tabIndex = -1;
    container.focus();
  }
}
