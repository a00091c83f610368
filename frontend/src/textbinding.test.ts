// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyText, bindText, textDiff, transformPosition } from './textbinding';

describe('textDiff', () => {
  it('finds the minimal edit', () => {
    expect(textDiff('hello world', 'hello brave world')).toEqual({ index: 6, remove: 0, insert: 'brave ' });
    expect(textDiff('abc', 'abc')).toEqual({ index: 3, remove: 0, insert: '' });
    expect(textDiff('abcdef', 'abef')).toEqual({ index: 2, remove: 2, insert: '' });
    expect(textDiff('', 'x')).toEqual({ index: 0, remove: 0, insert: 'x' });
    expect(textDiff('aaa', 'aa')).toEqual({ index: 2, remove: 1, insert: '' });
  });
  it('never splits a surrogate pair', () => {
    const edit = textDiff('a😀b', 'a😃b');
    expect(edit.index).toBe(1);
    expect(edit.insert).toBe('😃');
    expect(edit.remove).toBe(2);
  });
});

describe('transformPosition', () => {
  it('shifts for changes before the caret only', () => {
    expect(transformPosition(5, [{ insert: 'xx' }])).toBe(7);
    expect(transformPosition(5, [{ retain: 5 }, { insert: 'xx' }])).toBe(5);
    expect(transformPosition(5, [{ retain: 6 }, { insert: 'xx' }])).toBe(5);
    expect(transformPosition(5, [{ retain: 1 }, { delete: 2 }])).toBe(3);
    expect(transformPosition(5, [{ retain: 3 }, { delete: 10 }])).toBe(3);
    expect(transformPosition(0, [{ insert: 'a' }])).toBe(0);
  });
});

describe('applyText', () => {
  it('merges with a concurrent edit instead of overwriting it', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    a.getText('t').insert(0, 'Financer l’animateur.');
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    applyText(a.getText('t'), 'Financer l’animateur à mi-temps.');
    b.getText('t').insert(0, 'CAF : ');
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(a.getText('t').toString()).toBe('CAF : Financer l’animateur à mi-temps.');
    expect(b.getText('t').toString()).toBe(a.getText('t').toString());
  });
});

describe('bindText', () => {
  function setup(initial = '') {
    const doc = new Y.Doc();
    const text = doc.getText('brief');
    text.insert(0, initial);
    const area = document.createElement('textarea');
    document.body.appendChild(area);
    let edits = 0;
    const unbind = bindText(text, area, () => (edits += 1));
    return { doc, text, area, unbind, edits: () => edits };
  }

  it('shows the text and pushes typing as minimal edits', () => {
    const { text, area, edits } = setup('Bonjour');
    expect(area.value).toBe('Bonjour');
    const deltas: unknown[] = [];
    text.observe((e) => deltas.push(e.delta));
    area.value = 'Bonjour à tous';
    area.dispatchEvent(new Event('input'));
    expect(text.toString()).toBe('Bonjour à tous');
    expect(deltas).toEqual([[{ retain: 7 }, { insert: ' à tous' }]]);
    expect(edits()).toBe(1);
  });

  it('keeps the caret in place when a remote edit lands before it', () => {
    const { text, area } = setup('hello world');
    area.focus();
    area.setSelectionRange(6, 11); // "world" selected
    const remote = new Y.Doc();
    Y.applyUpdate(remote, Y.encodeStateAsUpdate(text.doc!));
    remote.getText('brief').insert(0, '>> ');
    Y.applyUpdate(text.doc!, Y.encodeStateAsUpdate(remote));
    expect(area.value).toBe('>> hello world');
    expect([area.selectionStart, area.selectionEnd]).toEqual([9, 14]);
    expect(area.value.slice(area.selectionStart, area.selectionEnd)).toBe('world');
  });

  it('does not move the caret for a remote edit after it', () => {
    const { text, area } = setup('abc');
    area.focus();
    area.setSelectionRange(1, 1);
    text.doc!.transact(() => text.insert(3, 'def'), 'remote');
    expect(area.value).toBe('abcdef');
    expect(area.selectionStart).toBe(1);
  });

  it('stops following after unbind', () => {
    const { text, area, unbind } = setup('x');
    unbind();
    text.insert(1, 'y');
    expect(area.value).toBe('x');
    area.value = 'zzz';
    area.dispatchEvent(new Event('input'));
    expect(text.toString()).toBe('xy');
  });

  it('undoes only the local edits, and a remote edit does not wipe the history', () => {
    const { doc, text, area } = setup('Ordre du jour');
    area.value = 'Ordre du jour : budget';
    area.dispatchEvent(new Event('input'));
    // Someone else edits the start of the text meanwhile (another origin).
    doc.transact(() => text.insert(0, '1. '), 'remote');
    expect(area.value).toBe('1. Ordre du jour : budget');
    const ctrlZ = new KeyboardEvent('keydown', { key: 'z', ctrlKey: true, cancelable: true });
    area.dispatchEvent(ctrlZ);
    expect(ctrlZ.defaultPrevented).toBe(true);
    expect(text.toString()).toBe('1. Ordre du jour');
    expect(area.value).toBe('1. Ordre du jour');
    area.dispatchEvent(new KeyboardEvent('keydown', { key: 'z', ctrlKey: true, shiftKey: true, cancelable: true }));
    expect(area.value).toBe('1. Ordre du jour : budget');
    // The browser's Edit menu arrives as beforeinput.
    const menu = new InputEvent('beforeinput', { inputType: 'historyUndo', cancelable: true });
    area.dispatchEvent(menu);
    expect(menu.defaultPrevented).toBe(true);
    expect(area.value).toBe('1. Ordre du jour');
    // Nothing of the remote edit is ever undone from here.
    area.dispatchEvent(new KeyboardEvent('keydown', { key: 'z', ctrlKey: true, cancelable: true }));
    expect(text.toString()).toBe('1. Ordre du jour');
  });

  it('treats user text as text', () => {
    const { text, area } = setup('');
    text.insert(0, '<script>alert(1)</script>');
    expect(area.value).toBe('<script>alert(1)</script>');
    expect(document.querySelectorAll('script')).toHaveLength(0);
  });
});
