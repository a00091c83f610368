// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { h } from './dom';

describe('h()', () => {
  it('builds elements with text children only', () => {
    const el = h('p', { class: 'x', 'aria-live': 'polite' }, 'Bonjour ', '<img src=x onerror=alert(1)>', 3);
    expect(el.className).toBe('x');
    expect(el.getAttribute('aria-live')).toBe('polite');
    expect(el.textContent).toBe('Bonjour <img src=x onerror=alert(1)>3');
    expect(el.querySelector('img')).toBeNull();
  });
  it('refuses innerHTML and skips false attributes', () => {
    expect(() => h('div', { innerHTML: '<b>x</b>' })).toThrow();
    const b = h('button', { disabled: false, hidden: true });
    expect(b.hasAttribute('disabled')).toBe(false);
    expect(b.hasAttribute('hidden')).toBe(true);
  });
  it('wires events and properties', () => {
    let clicks = 0;
    const b = h('button', { onclick: () => (clicks += 1) });
    b.click();
    expect(clicks).toBe(1);
    const input = h('input', { props: { value: 'v' } });
    expect(input.value).toBe('v');
  });
});
