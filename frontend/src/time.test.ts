import { describe, expect, it } from 'vitest';
import {
  attendanceBody,
  barChart,
  budgetBody,
  formatEuros,
  formatHours,
  joinNames,
  mustAnswerShortNotice,
  niceMax,
  noticeSentences,
  partnerChartRows,
  warningSentence,
} from './time';

const NBSP = '\u00a0';
const NNBSP = '\u202f';

describe('hours and euros', () => {
  it('writes hours the way each language does, to the hundredth at most', () => {
    expect(formatHours(52, 'fr')).toBe(`52${NBSP}h`);
    expect(formatHours(1.5, 'fr')).toBe(`1,5${NBSP}h`);
    expect(formatHours(1.5, 'en')).toBe(`1.5${NBSP}h`);
    expect(formatHours(2 / 3, 'en')).toBe(`0.67${NBSP}h`);
    expect(formatHours(1234, 'fr')).toBe(`1${NNBSP}234${NBSP}h`);
  });
  it('writes euros to the cent, without decimals for whole amounts', () => {
    expect(formatEuros(1234.5, 'fr')).toBe(`1${NNBSP}234,50${NBSP}€`);
    expect(formatEuros(1234.5, 'en')).toBe('€1,234.50');
    expect(formatEuros(60, 'fr')).toBe(`60${NBSP}€`);
  });
  it('joins names as each language does', () => {
    expect(joinNames(['CAF', 'Mairie', 'MJC'], 'fr')).toBe('CAF, Mairie et MJC');
    expect(joinNames(['CAF', 'Mairie', 'MJC'], 'en')).toBe('CAF, Mairie, and MJC');
  });
});

describe('the notice sentence', () => {
  const base = {
    required_days: 14,
    days_left: 5,
    short: true,
    content_hash: 'h',
    agreed_organizations: [{ organization_id: 'm', organization_name: 'MJC' }],
    missing_organizations: [
      { organization_id: 'c', organization_name: 'CAF' },
      { organization_id: 'v', organization_name: 'Ville' },
    ],
  };
  it('says the days left, the days asked, who accepted and who not yet', () => {
    expect(noticeSentences(base, 'fr')).toEqual([
      `Préavis${NBSP}: 5${NBSP}jours (le projet en demande 14).`,
      `Délai court accepté par${NBSP}: MJC${NBSP}; pas encore par${NBSP}: CAF et Ville.`,
    ]);
    expect(noticeSentences(base, 'en')).toEqual([
      `Notice: 5${NBSP}days (the project asks for 14).`,
      'Short notice accepted by: MJC; not yet by: CAF and Ville.',
    ]);
  });
  it('uses the plural rules (French: 0 and 1 are singular)', () => {
    expect(noticeSentences({ ...base, days_left: 1 }, 'fr')[0]).toBe(`Préavis${NBSP}: 1${NBSP}jour (le projet en demande 14).`);
    expect(noticeSentences({ ...base, days_left: 0 }, 'fr')[0]).toBe(`Préavis${NBSP}: 0${NBSP}jour (le projet en demande 14).`);
    expect(noticeSentences({ ...base, days_left: 0 }, 'en')[0]).toBe(`Notice: 0${NBSP}days (the project asks for 14).`);
  });
  it('says when everyone or nobody accepted, and nothing more when the notice is enough', () => {
    expect(noticeSentences({ ...base, missing_organizations: [] }, 'en')[1]).toBe('Short notice accepted by: MJC.');
    expect(noticeSentences({ ...base, agreed_organizations: [] }, 'en')[1]).toBe('Short notice not yet accepted by: CAF and Ville.');
    expect(noticeSentences({ ...base, days_left: 20, short: false, agreed_organizations: [], missing_organizations: [] }, 'en')).toEqual([
      `Notice: 20${NBSP}days (the project asks for 14): enough.`,
    ]);
  });
  it('asks a partner to answer only while the notice is short and it has not agreed', () => {
    expect(mustAnswerShortNotice(base, 'c')).toBe(true);
    expect(mustAnswerShortNotice(base, 'm')).toBe(false);
    expect(mustAnswerShortNotice({ ...base, short: false }, 'c')).toBe(false);
    expect(mustAnswerShortNotice(null, 'c')).toBe(false);
  });
});

describe('budget warnings', () => {
  it('names the partner, the hours it would reach and its budget', () => {
    const warning = { rule: 'time_budget_exceeded' as const, organization_id: 'c', organization_name: 'la CAF', hours_planned: 52, hours_budget: 40 };
    expect(warningSentence(warning, 'fr')).toBe(`Cette réunion porterait la CAF à 52${NBSP}h sur un budget de 40${NBSP}h cette année.`);
    expect(warningSentence(warning, 'en')).toBe(`This meeting would take la CAF to 52${NBSP}h against a budget of 40${NBSP}h this year.`);
  });
});

describe('bar chart geometry', () => {
  it('rounds the axis up to 1, 2 or 5 times a power of ten', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(0.3)).toBe(0.5);
    expect(niceMax(1)).toBe(1);
    expect(niceMax(3)).toBe(5);
    expect(niceMax(40)).toBe(50);
    expect(niceMax(52)).toBe(100);
    expect(niceMax(120)).toBe(200);
  });
  it('puts planned, attended and budget on one scale, one row each', () => {
    const g = barChart(
      [
        { label: 'CAF', planned: 30, attended: 15, budget: 40 },
        { label: 'MJC', planned: 10, attended: 0, budget: null },
      ],
      { width: 600, left: 100, rowHeight: 40, ticks: 5 },
    );
    expect(g.max).toBe(50);
    expect(g.plot).toBe(400);
    const [caf, mjc] = g.rows;
    expect(caf!.planned.width).toBeCloseTo((30 / 50) * 400);
    expect(caf!.attended!.width).toBeCloseTo((15 / 50) * 400);
    expect(caf!.budgetX).toBeCloseTo(100 + (40 / 50) * 400);
    expect(mjc!.budgetX).toBeNull();
    expect(mjc!.y - caf!.y).toBe(40);
    expect(g.ticks.map((t) => t.value)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(g.ticks[0]!.x).toBe(100);
    expect(g.ticks[5]!.x).toBeCloseTo(500);
    // The figures: right of the longer bar, on its line (room is kept for them up to the edge).
    expect(caf!.valueX).toBeCloseTo(100 + (30 / 50) * 400 + 6);
    expect(caf!.valueY).toBe(caf!.mid);
    expect(g.width - (g.left + g.plot)).toBe(100);
    expect(g.height).toBeGreaterThan(g.axisY);
  });
  it('puts the labels above the bars on a narrow chart, the bars then taking the whole width', () => {
    const wide = barChart([{ label: 'CAF', planned: 1 }], { width: 340, left: 100, rowHeight: 30 });
    const narrow = barChart([{ label: 'CAF', planned: 1 }], { width: 340, left: 100, rowHeight: 30, labelsAbove: true });
    expect(wide.rows[0]!.labelAnchor).toBe('end');
    expect(wide.rows[0]!.labelX).toBe(92);
    expect(wide.rows[0]!.labelY).toBe(wide.rows[0]!.mid);
    expect(narrow.rows[0]!.labelAnchor).toBe('start');
    expect(narrow.plot).toBeGreaterThan(wide.plot);
    expect(narrow.rows[0]!.labelY).toBeLessThan(narrow.rows[0]!.mid);
    expect(narrow.rowHeight).toBe(48);
    // The figures at the end of the label's line.
    expect(narrow.rows[0]!.valueY).toBe(narrow.rows[0]!.labelY);
    expect(narrow.rows[0]!.valueAnchor).toBe('end');
    expect(narrow.rows[0]!.valueX).toBe(340 - 12);
  });
  it('never draws a negative bar or one past the plot, and copes with nothing', () => {
    const g = barChart([{ label: 'X', planned: -3, attended: null }], { width: 300, left: 100 });
    expect(g.rows[0]!.planned.width).toBe(0);
    expect(g.rows[0]!.attended).toBeNull();
    expect(g.max).toBe(1);
    expect(barChart([]).rows).toEqual([]);
  });
  it('takes the time table as it comes from the API', () => {
    const rows = partnerChartRows([
      {
        organization_id: 'c',
        organization_name: 'CAF',
        status: 'accepted',
        hours_budget: 40,
        hourly_value_eur: 35,
        hours_planned: 3,
        hours_attended: 1.5,
        value_eur: 52.5,
      },
    ]);
    expect(rows).toEqual([{ label: 'CAF', planned: 3, attended: 1.5, budget: 40 }]);
  });
});

describe('request bodies', () => {
  it('sends the attendance chosen, person by person', () => {
    expect(
      attendanceBody(
        new Map([
          ['u1', 'present'],
          ['u2', 'excused'],
        ]),
      ),
    ).toEqual({
      attendance: [
        { user_id: 'u1', status: 'present' },
        { user_id: 'u2', status: 'excused' },
      ],
    });
  });
  it('reads a budget, with a comma as the decimal separator, and leaves empty hours to the server', () => {
    expect(budgetBody('40', '35,50')).toEqual({ hours_per_year: 40, hourly_value_eur: 35.5 });
    expect(budgetBody(' 40 ', '')).toEqual({ hours_per_year: 40, hourly_value_eur: null });
    expect(budgetBody('', '')).toEqual({ hourly_value_eur: null });
  });
});
