// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { h } from './dom';
import { errorMessage, feedback, rerender, tabs } from './ui';
import { ApiError } from './api';
import { setLocale } from './i18n';

describe('tabs()', () => {
  const build = (selected = 'a') => {
    const seen: string[] = [];
    const panels = [h('div', null, 'A'), h('div', null, 'B'), h('div', null, 'C')];
    const el = tabs(
      'Sections',
      [
        { key: 'a', label: 'Un', panel: panels[0]! },
        { key: 'b', label: 'Deux', panel: panels[1]! },
        { key: 'c', label: 'Trois', panel: panels[2]! },
      ],
      selected,
      (k) => seen.push(k),
    );
    document.body.replaceChildren(el);
    return { el, panels, seen, tabButtons: [...el.querySelectorAll<HTMLButtonElement>('[role="tab"]')] };
  };

  it('wires tabs to panels and shows the selected one only', () => {
    const { el, panels, tabButtons } = build('b');
    expect(el.querySelector('[role="tablist"]')!.getAttribute('aria-label')).toBe('Sections');
    expect(tabButtons.map((b) => b.getAttribute('aria-selected'))).toEqual(['false', 'true', 'false']);
    expect(tabButtons.map((b) => b.tabIndex)).toEqual([-1, 0, -1]);
    expect(panels.map((p) => p.hidden)).toEqual([true, false, true]);
    expect(panels[1]!.getAttribute('aria-labelledby')).toBe(tabButtons[1]!.id);
    expect(tabButtons[1]!.getAttribute('aria-controls')).toBe(panels[1]!.id);
  });

  it('moves with the arrow keys, Home and End, wrapping around', () => {
    const { el, panels, seen, tabButtons } = build('a');
    const list = el.querySelector('[role="tablist"]')!;
    tabButtons[0]!.focus();
    list.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft', bubbles: true }));
    expect(document.activeElement).toBe(tabButtons[2]);
    expect(panels[2]!.hidden).toBe(false);
    list.dispatchEvent(new KeyboardEvent('keydown', { key: 'Home', bubbles: true }));
    expect(document.activeElement).toBe(tabButtons[0]);
    list.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
    expect(tabButtons[1]!.getAttribute('aria-selected')).toBe('true');
    tabButtons[2]!.click();
    expect(seen).toEqual(['c', 'a', 'b', 'c']);
  });
});

describe('rerender()', () => {
  it('gives focus back to the control with the same focus key', () => {
    const box = h('div');
    document.body.replaceChildren(box);
    const build = () => [h('button', { dataset: { focusKey: 'x:done' } }, 'Fait'), h('button', { dataset: { focusKey: 'y:done' } }, 'Fait')];
    rerender(box, build);
    (box.querySelectorAll('button')[1] as HTMLButtonElement).focus();
    rerender(box, build);
    expect((document.activeElement as HTMLElement).dataset.focusKey).toBe('y:done');
  });

  it('keeps focus in the container when the control is gone', () => {
    const box = h('div');
    document.body.replaceChildren(box);
    rerender(box, () => h('button', { dataset: { focusKey: 'gone' } }, 'x'));
    box.querySelector('button')!.focus();
    rerender(box, () => h('p', null, 'vide'));
    expect(document.activeElement).toBe(box);
  });
});

describe('feedback()', () => {
  it('a new message clears the other lines: no stale error after a later success', () => {
    const slot = feedback();
    const poll = feedback();
    document.body.append(slot.el, poll.el);
    slot.error('Ce créneau est dans le passé.');
    expect(slot.el.textContent).toBe('Ce créneau est dans le passé.');
    expect(slot.el.getAttribute('role')).toBe('alert');
    poll.ok('Disponibilités enregistrées.');
    expect(slot.el.textContent).toBe('');
    expect(poll.el.textContent).toBe('Disponibilités enregistrées.');
    // The confirmation stays until the next message.
    slot.ok('Créneau ajouté.');
    expect(poll.el.textContent).toBe('');
    slot.el.remove();
    poll.el.remove();
  });
});

describe('errorMessage()', () => {
  it('says precisely what was wrong with a field, in the person’s language', () => {
    setLocale('fr');
    const past = new ApiError(400, 'invalid_input', 'this slot is in the past', 'starts_at');
    expect(errorMessage(past)).toBe('Ce créneau est passé\u00a0: choisissez-en un à venir.');
    const empty = new ApiError(400, 'invalid_input', 'must not be empty', 'title');
    expect(errorMessage(empty)).toBe('Titre\u00a0: à remplir.');
    expect(errorMessage(new ApiError(400, 'invalid_input', 'at most 200 characters', 'name'))).toBe('Nom\u00a0: 200 caractères au plus.');
    setLocale('en');
    expect(errorMessage(past)).toBe('This slot is past: choose one to come.');
    expect(errorMessage(new ApiError(400, 'invalid_input', 'accept or decline', 'decision'))).toBe('decision: accept or decline.');
    setLocale('fr');
  });
});
