/**
 * Binds a `Y.Text` to a `<textarea>` or `<input>`: local typing becomes the *minimal* Y edit
 * (common prefix and suffix kept, so concurrent edits elsewhere in the text merge), and remote
 * changes update the field while keeping the caret and selection where the user had them.
 *
 * Undo and redo go through a `Y.UndoManager` that tracks only this field's own edits: setting
 * the field's value on a remote change wipes the browser's native undo history, and the native
 * undo would in any case undo other people's text. Ctrl/Cmd+Z, Ctrl/Cmd+Shift+Z, Ctrl+Y and the
 * browser's Edit menu (`beforeinput` `historyUndo` / `historyRedo`) all land here.
 */

import * as Y from 'yjs';

export interface TextEdit {
  index: number;
  remove: number;
  insert: string;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** The smallest single edit that turns `before` into `after` (never splits a surrogate pair). */
export function textDiff(before: string, after: string): TextEdit {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start += 1;
  if (start > 0 && isHighSurrogate(before.charCodeAt(start - 1))) start -= 1;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && before.charCodeAt(endB - 1) === after.charCodeAt(endA - 1)) {
    endB -= 1;
    endA -= 1;
  }
  if (endB < before.length && isLowSurrogate(before.charCodeAt(endB))) {
    endB += 1;
    endA += 1;
  }
  return { index: start, remove: endB - start, insert: after.slice(start, endA) };
}

/** Applies the minimal edit turning `ytext` into `target`. Returns false when nothing changed. */
export function applyText(ytext: Y.Text, target: string, origin: unknown = null): boolean {
  const current = ytext.toString();
  if (current === target) return false;
  const edit = textDiff(current, target);
  const apply = () => {
    if (edit.remove > 0) ytext.delete(edit.index, edit.remove);
    if (edit.insert !== '') ytext.insert(edit.index, edit.insert);
  };
  if (ytext.doc) ytext.doc.transact(apply, origin);
  else apply();
  return true;
}

export type Delta = Array<{ retain?: number; insert?: unknown; delete?: number }>;

/**
 * Where a caret at `position` ends up after a remote change `delta` (a Y.Text event delta).
 * Text inserted or deleted after the caret, or inserted exactly at it, leaves it in place.
 */
export function transformPosition(position: number, delta: Delta): number {
  let index = 0;
  let pos = position;
  for (const op of delta) {
    if (index >= pos) break;
    if (op.retain !== undefined) {
      index += op.retain;
    } else if (op.insert !== undefined) {
      const length = typeof op.insert === 'string' ? op.insert.length : 1;
      pos += length;
      index += length;
    } else if (op.delete !== undefined) {
      pos -= Math.min(op.delete, pos - index);
    }
  }
  return pos;
}

type Field = HTMLTextAreaElement | HTMLInputElement;

/**
 * Keeps `field` and `ytext` equal. Returns the function that unbinds them.
 * `onLocalEdit` is called after each local edit (e.g. to mark the section dirty).
 */
export function bindText(ytext: Y.Text, field: Field, onLocalEdit?: () => void): () => void {
  const origin = { binding: field };
  let composing = false;
  field.value = ytext.toString();

  const push = () => {
    if (composing) return;
    if (applyText(ytext, field.value, origin)) onLocalEdit?.();
  };
  const onInput = () => push();
  const onCompositionStart = () => {
    composing = true;
  };
  const onCompositionEnd = () => {
    composing = false;
    push();
  };

  const history = new Y.UndoManager(ytext, { trackedOrigins: new Set([origin]), captureTimeout: 500 });
  const step = (redo: boolean) => {
    // Whatever is typed and not pushed yet belongs to the history first.
    push();
    const done = redo ? history.redo() : history.undo();
    if (done) onLocalEdit?.();
  };
  const onBeforeInput = (event: Event) => {
    const type = (event as InputEvent).inputType;
    if (type !== 'historyUndo' && type !== 'historyRedo') return;
    event.preventDefault();
    step(type === 'historyRedo');
  };
  const onKeyDown = (e: Event) => {
    const event = e as KeyboardEvent;
    if (!(event.ctrlKey || event.metaKey) || event.altKey || composing) return;
    const key = event.key.toLowerCase();
    if (key === 'z' || key === 'y') {
      event.preventDefault();
      step(key === 'y' || event.shiftKey);
    }
  };

  const observer = (event: Y.YTextEvent) => {
    if (event.transaction.origin === origin) return;
    const text = ytext.toString();
    if (field.value === text) return;
    const focused = field.ownerDocument.activeElement === field;
    const start = field.selectionStart ?? 0;
    const end = field.selectionEnd ?? start;
    const direction = field.selectionDirection ?? 'none';
    const delta = event.delta as Delta;
    // When a local, not yet pushed, change is in the field (IME composition), keep it:
    // it is pushed as a diff at composition end.
    if (composing) return;
    field.value = text;
    if (focused) {
      const newStart = transformPosition(start, delta);
      const newEnd = start === end ? newStart : transformPosition(end, delta);
      field.setSelectionRange(newStart, newEnd, direction as 'forward' | 'backward' | 'none');
    }
  };

  field.addEventListener('input', onInput);
  field.addEventListener('compositionstart', onCompositionStart);
  field.addEventListener('compositionend', onCompositionEnd);
  field.addEventListener('beforeinput', onBeforeInput);
  field.addEventListener('keydown', onKeyDown);
  ytext.observe(observer);
  return () => {
    field.removeEventListener('input', onInput);
    field.removeEventListener('compositionstart', onCompositionStart);
    field.removeEventListener('compositionend', onCompositionEnd);
    field.removeEventListener('beforeinput', onBeforeInput);
    field.removeEventListener('keydown', onKeyDown);
    ytext.unobserve(observer);
    history.destroy();
  };
}
