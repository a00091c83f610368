/** The always-visible connection line of a project's pages, and who else is there. */

import type { ViewContext } from '../app';
import { h, replace, setText } from '../dom';
import { t } from '../i18n';
import type { LiveSession } from '../live';

export function connectionBar(ctx: ViewContext, live: LiveSession, sectionLabel: (key: string) => string): void {
  const bar = document.getElementById('conn');
  if (!bar) return;
  const state = h('span', { class: 'conn-state', role: 'status', 'aria-live': 'polite' });
  const unsynced = h('span', { class: 'conn-unsynced', hidden: true }, t('live.unsynced'));
  const people = h('ul', { class: 'presence', 'aria-label': t('presence.title') });
  replace(bar, h('span', { class: 'visually-hidden' }, t('common.labelled', { label: t('live.state'), value: '' })), state, unsynced, people);
  // A landmark of its own, named: screen readers list it with the page's regions.
  bar.setAttribute('aria-label', t('live.state'));
  // On a phone it scrolls sideways (one line): keyboard users must be able to scroll it too.
  bar.tabIndex = 0;
  bar.hidden = false;
  const render = () => {
    bar.dataset.state = live.state;
    setText(state, live.state === 'offline' && live.refusal ? t(`live.refusal.${live.refusal}`) : t(`live.${live.state}`));
    unsynced.hidden = !live.unsynced;
    const peers = live.peers();
    const key = JSON.stringify(peers.map((p) => [p.clientId, p.name, p.organization, p.section]));
    if (people.dataset.key !== key) {
      people.dataset.key = key;
      replace(
        people,
        peers.map((p) =>
          h(
            'li',
            { class: 'peer' },
            presenceDot(p.color),
            p.section
              ? t('presence.in', { name: p.name, organization: p.organization, section: sectionLabel(p.section) })
              : t('presence.nowhere', { name: p.name, organization: p.organization }),
          ),
        ),
      );
    }
  };
  render();
  const off = live.onChange(render);
  // bufferedAmount changes without events: look again now and then.
  const timer = window.setInterval(render, 1000);
  ctx.onLeave(() => {
    off();
    window.clearInterval(timer);
    bar.hidden = true;
    replace(bar);
  });
}

/**
 * A peer's colour dot. Set through the CSSOM, not a `style` attribute (the Content-Security-Policy
 * refuses inline style attributes), and only a `#rgb`/`#rrggbb` colour: the value comes from
 * another browser.
 */
function presenceDot(color: string): HTMLElement {
  const dot = h('span', { class: 'dot', 'aria-hidden': 'true' });
  if (/^#[0-9a-f]{3}(?:[0-9a-f]{3})?$/i.test(color)) dot.style.backgroundColor = color;
  return dot;
}
