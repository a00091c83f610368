/** Shared UI pieces: feedback (aria-live), error sentences, confirmation dialogs, form fields. */

import { ApiError } from './api';
import { type Child, h, replace, setText, uid } from './dom';
import { type MessageKey, messages, t, getLocale } from './i18n';

/** A sentence for any error, in the current language. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return t('error.network');
    if (error.code === 'invalid_input' && error.field) return fieldError(error.field, error.message);
    const key = `error.${error.code}`;
    if (key in messages[getLocale()]) return t(key as MessageKey);
    return t('error.generic', { status: error.status });
  }
  return t('error.generic', { status: '?' });
}

/** A field's name as the person reads it (the API's name when there is no better one). */
function fieldLabel(field: string): string {
  const key = `field.${field}`;
  return key in messages[getLocale()] ? t(key as MessageKey) : field;
}

/**
 * What was wrong with a field, precisely: the server's reasons (in English, and stable) mapped to
 * a sentence in the person's language; any other reason in English is shown as the server said it.
 */
export function fieldError(field: string, reason: string): string {
  const label = fieldLabel(field);
  const tooLong = /^at most (\d+) characters$/.exec(reason);
  const between = /^between (\d+) and (\d+)$/.exec(reason);
  if (reason === 'must not be empty') return t('error.field.required', { field: label });
  if (tooLong) return t('error.field.tooLong', { field: label, max: tooLong[1]! });
  if (between) return t('error.field.between', { field: label, min: between[1]!, max: between[2]! });
  if (reason.startsWith('must be a single line')) return t('error.field.oneLine', { field: label });
  if (reason === 'must be in the future') return t('error.field.future', { field: label });
  if (reason === 'this slot is in the past') return t('error.field.pastSlot');
  if (reason.startsWith('not a valid email address') || reason === 'not a plain email address') return t('error.field.email', { field: label });
  if (reason === 'an http(s) link') return t('error.field.link', { field: label });
  if (getLocale() === 'en' && reason.trim() !== '') return `${label}: ${reason}.`;
  return t('error.invalid_field', { field: label });
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

// The status lines of the page that say something: a new message clears the others, so that an
// old error does not stay on screen after later successes (nor an old confirmation after an error).
const speaking = new Set<{ el: HTMLElement; clear(): void }>();

function speak(line: { el: HTMLElement; clear(): void }): void {
  for (const other of [...speaking]) {
    if (other === line) continue;
    if (other.el.isConnected) other.clear();
    speaking.delete(other);
  }
  speaking.add(line);
}

/**
 * A status line under a form: polite for progress and success, assertive (alert) for errors. What
 * it says stays until the person's next action (another line's message clears it).
 */
// Messages carried across a redraw of the page, by the key of the status line that shows them.
const carried = new Map<string, string>();

/** Keeps `text` for the status line `feedback(key)` of the next drawing of the page. */
export function carryMessage(key: string, text: string): void {
  carried.set(key, text);
}

export function feedback(key?: string): { el: HTMLElement; ok(text: string): void; error(text: string | unknown): void; clear(): void } {
  const el = h('p', { class: 'feedback', role: 'status', 'aria-live': 'polite' });
  const line = {
    el,
    ok(text: string) {
      el.dataset.kind = 'ok';
      el.setAttribute('role', 'status');
      setText(el, text);
      speak(line);
    },
    error(value: string | unknown) {
      el.dataset.kind = 'error';
      el.setAttribute('role', 'alert');
      setText(el, typeof value === 'string' ? value : errorMessage(value));
      speak(line);
    },
    clear() {
      delete el.dataset.kind;
      setText(el, '');
      speaking.delete(line);
    },
  };
  const kept = key === undefined ? undefined : carried.get(key);
  if (key !== undefined && kept !== undefined) {
    carried.delete(key);
    line.ok(kept);
  }
  return line;
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
