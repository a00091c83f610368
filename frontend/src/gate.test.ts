import { describe, expect, it } from 'vitest';
import { GATE_RULES, canRecordConcertation, checklist, describeUnmet } from './gate';

describe('describeUnmet', () => {
  it('names the partner in French and English', () => {
    const unmet = { rule: 'mission_not_agreed', organization_id: 'x', organization_name: 'La CAF' };
    expect(describeUnmet(unmet, 'fr')).toBe('La CAF n’a pas encore approuvé sa mission.');
    expect(describeUnmet(unmet, 'en')).toBe('La CAF has not yet agreed to its mission.');
  });
  it('has a sentence for every rule code of API.md', () => {
    for (const rule of GATE_RULES.flatMap((r) => [...r.codes])) {
      const fr = describeUnmet({ rule, organization_name: 'CAF' }, 'fr');
      expect(fr).not.toContain('Condition non remplie');
      expect(fr).not.toContain('{');
    }
  });
  it('keeps unknown rules visible and falls back when the name is missing', () => {
    expect(describeUnmet({ rule: 'new_rule' }, 'en')).toBe('Condition not met: new_rule.');
    expect(describeUnmet({ rule: 'partner_not_answered', organization_name: undefined }, 'fr')).toBe('Un partenaire n’a pas encore répondu à la consultation.');
  });
  it('keeps markup in names as text', () => {
    expect(describeUnmet({ rule: 'agenda_not_agreed', organization_name: '<b>X</b>' }, 'en')).toBe('<b>X</b> has not yet agreed to the agenda.');
  });
});

describe('checklist', () => {
  it('is all met when nothing is unmet', () => {
    const lines = checklist({ unmet: [] }, 'fr');
    expect(lines).toHaveLength(8);
    expect(lines.every((l) => l.met && l.problems.length === 0)).toBe(true);
    expect(lines[0]!.label).toBe('Au moins deux partenaires ont accepté');
  });
  it('groups unmet entries under their rule, one sentence per partner', () => {
    const lines = checklist(
      {
        unmet: [
          { rule: 'mission_not_agreed', organization_name: 'CAF' },
          { rule: 'mission_not_agreed', organization_name: 'Ville de Trappes' },
          { rule: 'agenda_empty' },
          { rule: 'no_slot_chosen' },
          { rule: 'concertation_not_recorded' },
        ],
      },
      'fr',
    );
    const byRule = Object.fromEntries(lines.map((l) => [l.rule, l]));
    expect(byRule.partners!.met).toBe(true);
    expect(byRule.missions!.problems).toEqual(['CAF n’a pas encore approuvé sa mission.', 'Ville de Trappes n’a pas encore approuvé sa mission.']);
    expect(byRule.agenda!.problems).toEqual(['L’ordre du jour est vide.']);
    expect(byRule.slot!.met).toBe(false);
    expect(byRule.concertation!.met).toBe(false);
  });
  it('blocks on a rule it does not know', () => {
    const lines = checklist({ unmet: [{ rule: 'quorum' }] }, 'en');
    expect(lines.filter((l) => !l.met)).toHaveLength(1);
    expect(lines[lines.length - 1]!.problems).toEqual(['Condition not met: quorum.']);
  });
});

describe('rule 7: notice and representatives', () => {
  const notice = {
    required_days: 14,
    days_left: 5,
    short: true,
    content_hash: 'h',
    agreed_organizations: [{ organization_id: 'm', organization_name: 'MJC' }],
    missing_organizations: [{ organization_id: 'c', organization_name: 'CAF' }],
  };
  it('says the notice on its line, and who has not accepted the short notice', () => {
    const lines = checklist({ unmet: [{ rule: 'notice_too_short', organization_id: 'c', organization_name: 'CAF' }], notice }, 'fr');
    const line = lines.find((l) => l.rule === 'notice')!;
    expect(line.met).toBe(false);
    expect(line.details).toEqual([
      'Préavis\u00a0: 5\u00a0jours (le projet en demande 14).',
      'Délai court accepté par\u00a0: MJC\u00a0; pas encore par\u00a0: CAF.',
    ]);
    expect(line.problems).toEqual(['CAF n’a pas encore accepté le délai court.']);
    expect(lines.find((l) => l.rule === 'representatives')!.met).toBe(true);
  });
  it('names a partner with nobody to represent it', () => {
    const line = checklist({ unmet: [{ rule: 'no_representative', organization_name: 'CAF' }] }, 'en').find((l) => l.rule === 'representatives')!;
    expect(line.problems).toEqual(['Nobody represents CAF at this meeting yet.']);
  });
  it('lets the concertation be recorded while only rule 7 and the record are missing', () => {
    expect(canRecordConcertation([{ rule: 'concertation_not_recorded' }, { rule: 'notice_too_short' }])).toBe(true);
    expect(canRecordConcertation([{ rule: 'concertation_stale' }, { rule: 'no_representative' }])).toBe(true);
    expect(canRecordConcertation([{ rule: 'notice_too_short' }])).toBe(false);
    expect(canRecordConcertation([{ rule: 'concertation_not_recorded' }, { rule: 'agenda_empty' }])).toBe(false);
    expect(canRecordConcertation([])).toBe(false);
  });
});
