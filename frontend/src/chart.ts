/**
 * Small hand-made SVG bar charts (no charting library): a picture for people who would rather
 * look than read, always next to a table or a list that holds the same figures. The SVG is an
 * image with a title and a description (`role="img"`, `aria-labelledby`); its text is not read
 * twice. Geometry comes from `time.ts` (pure, tested); this file only draws it.
 */

import { uid } from './dom';
import type { ChartGeometry } from './time';
import './chart.css';

const NS = 'http://www.w3.org/2000/svg';

type SvgAttrs = Record<string, string | number | null | undefined>;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: SvgAttrs = {}, ...children: Array<SVGElement | string | null>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) if (value !== null && value !== undefined) el.setAttribute(name, String(value));
  for (const child of children) {
    if (child === null) continue;
    el.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return el;
}

export interface ChartText {
  title: string;
  description: string;
  /** A value as written under the axis and at the end of the bars ("12 h"). */
  format(value: number): string;
  /** Names of the series, for the legend. */
  planned: string;
  attended?: string;
  budget?: string;
}

/**
 * Horizontal bars: per row, the planned hours (light), the attended ones (dark, inside) and the
 * budget (a vertical mark). Scales with its container (viewBox), labels in the page's font.
 */
export function barChartSvg(geometry: ChartGeometry, text: ChartText, className = 'bar-chart'): SVGSVGElement {
  const titleId = uid('chart-title');
  const descId = uid('chart-desc');
  const { left, rowHeight, axisY } = geometry;
  const barHeight = Math.min(rowHeight, 36) * 0.55;
  const inner = barHeight * 0.55;
  const rows = geometry.rows.map((bar) => {
    const mid = bar.mid;
    const top = mid - barHeight / 2;
    const valueText = bar.attended ? `${text.format(bar.attended.value)} / ${text.format(bar.planned.value)}` : text.format(bar.planned.value);
    return svg(
      'g',
      { class: 'chart-row' },
      svg(
        'text',
        { x: bar.labelX, y: bar.labelY, class: 'chart-label', 'text-anchor': bar.labelAnchor, 'dominant-baseline': 'middle' },
        // Left of the bar, a long name would leave the picture (the table has it whole).
        bar.labelAnchor === 'end' ? truncate(bar.label, Math.floor((left - 12) / 7.5)) : truncate(bar.label, Math.floor((geometry.width - 110) / 7.5)),
      ),
      svg('rect', { x: bar.planned.x, y: top, width: bar.planned.width, height: barHeight, class: 'bar-planned', rx: 2 }),
      bar.attended ? svg('rect', { x: bar.attended.x, y: mid - inner / 2, width: bar.attended.width, height: inner, class: 'bar-attended', rx: 1 }) : null,
      bar.budgetX === null ? null : svg('line', { x1: bar.budgetX, x2: bar.budgetX, y1: top - 4, y2: top + barHeight + 4, class: 'bar-budget' }),
      svg('text', { x: bar.valueX, y: bar.valueY, class: 'chart-value', 'dominant-baseline': 'middle', 'text-anchor': bar.valueAnchor }, valueText),
    );
  });
  const ticks = geometry.ticks.map((tick) =>
    svg(
      'g',
      { class: 'chart-tick' },
      svg('line', { x1: tick.x, x2: tick.x, y1: 4, y2: axisY, class: 'chart-grid' }),
      svg('text', { x: tick.x, y: axisY + 16, 'text-anchor': 'middle', class: 'chart-axis' }, text.format(tick.value)),
    ),
  );
  return svg(
    'svg',
    {
      class: className,
      role: 'img',
      'aria-labelledby': `${titleId} ${descId}`,
      viewBox: `0 0 ${geometry.width} ${geometry.height}`,
      preserveAspectRatio: 'xMinYMin meet',
    },
    svg('title', { id: titleId }, text.title),
    svg('desc', { id: descId }, text.description),
    svg('g', { 'aria-hidden': 'true' }, ...ticks, ...rows),
  );
}

/** The legend of a bar chart, as HTML (it wraps on a phone). */
export function chartLegend(text: ChartText): HTMLElement {
  const item = (cls: string, label: string) => {
    const li = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = `swatch ${cls}`;
    swatch.setAttribute('aria-hidden', 'true');
    li.append(swatch, label);
    return li;
  };
  const list = document.createElement('ul');
  list.className = 'chart-legend';
  list.setAttribute('aria-hidden', 'true');
  list.append(item('swatch-planned', text.planned));
  if (text.attended) list.append(item('swatch-attended', text.attended));
  if (text.budget) list.append(item('swatch-budget', text.budget));
  return list;
}

function truncate(label: string, max: number): string {
  return label.length > max ? `${label.slice(0, max - 1)}…` : label;
}
