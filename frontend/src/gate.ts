/**
 * The concertation gate as people read it: `GET /api/meetings/{id}/readiness` (or a 409's
 * `unmet`) turned into a checklist of the rules of DESIGN.md, each unmet rule written as a
 * sentence naming the partner concerned, and the notice a convocation would leave. Pure.
 */

import type { Readiness, Unmet } from './api';
import { type Locale, type MessageKey, t } from './i18n';
import { noticeSentences } from './time';

/** The rules, in the order DESIGN.md gives them (rule 7 as two lines), and the codes that break each. */
export const GATE_RULES = [
  { key: 'partners', codes: ['too_few_partners'] },
  { key: 'answers', codes: ['partner_not_answered'] },
  { key: 'missions', codes: ['mission_not_agreed'] },
  { key: 'agenda', codes: ['agenda_empty', 'agenda_not_agreed'] },
  { key: 'slot', codes: ['no_slot_chosen', 'slot_in_past'] },
  { key: 'concertation', codes: ['concertation_not_recorded', 'concertation_stale'] },
  { key: 'notice', codes: ['notice_too_short'] },
  { key: 'representatives', codes: ['no_representative'] },
] as const;

/** Rules that may still be unmet when the concertation is recorded (the server checks rules 1 to 5 then). */
const AFTER_RECORD = new Set(['concertation_not_recorded', 'concertation_stale', 'notice_too_short', 'no_representative']);

/** Whether recording the concertation is what is missing now: rules 1 to 5 hold, and it is not recorded or stale. */
export function canRecordConcertation(unmet: Array<Pick<Unmet, 'rule'>>): boolean {
  return unmet.some((u) => u.rule === 'concertation_not_recorded' || u.rule === 'concertation_stale') && unmet.every((u) => AFTER_RECORD.has(u.rule));
}

export type GateRuleKey = (typeof GATE_RULES)[number]['key'];

export interface ChecklistLine {
  rule: GateRuleKey;
  met: boolean;
  /** The rule, stated positively ("Au moins deux partenaires ont accepté"). */
  label: string;
  /** What is still missing, one sentence per unmet entry (empty when met). */
  problems: string[];
  /** What the line is about, met or not (the notice a convocation would leave). */
  details: string[];
}

const SENTENCES: Record<string, MessageKey> = {
  too_few_partners: 'gate.unmet.too_few_partners',
  partner_not_answered: 'gate.unmet.partner_not_answered',
  mission_not_agreed: 'gate.unmet.mission_not_agreed',
  agenda_empty: 'gate.unmet.agenda_empty',
  agenda_not_agreed: 'gate.unmet.agenda_not_agreed',
  no_slot_chosen: 'gate.unmet.no_slot_chosen',
  slot_in_past: 'gate.unmet.slot_in_past',
  concertation_not_recorded: 'gate.unmet.concertation_not_recorded',
  concertation_stale: 'gate.unmet.concertation_stale',
  notice_too_short: 'gate.unmet.notice_too_short',
  no_representative: 'gate.unmet.no_representative',
};

function organizationName(unmet: Unmet, locale: Locale): string {
  const name = typeof unmet.organization_name === 'string' ? unmet.organization_name.trim() : '';
  return name !== '' ? name : t('gate.somePartner', undefined, locale);
}

/** One unmet entry as a sentence. Unknown rules are still shown, never dropped. */
export function describeUnmet(unmet: Unmet, locale: Locale): string {
  const key = SENTENCES[unmet.rule];
  if (!key) return t('gate.unmet.unknown', { rule: unmet.rule }, locale);
  return t(key, { organization: organizationName(unmet, locale) }, locale);
}

/** The whole checklist: every rule, met or not, with the sentences of what is missing. */
export function checklist(readiness: Pick<Readiness, 'unmet'> & { notice?: Readiness['notice'] }, locale: Locale): ChecklistLine[] {
  const known = new Set<string>(GATE_RULES.flatMap((r) => [...r.codes]));
  const lines: ChecklistLine[] = GATE_RULES.map((rule) => {
    const entries = readiness.unmet.filter((u) => (rule.codes as readonly string[]).includes(u.rule));
    return {
      rule: rule.key,
      met: entries.length === 0,
      label: t(`gate.rule.${rule.key}`, undefined, locale),
      problems: dedupe(entries.map((u) => describeUnmet(u, locale))),
      details: rule.key === 'notice' && readiness.notice ? noticeSentences(readiness.notice, locale) : [],
    };
  });
  const others = readiness.unmet.filter((u) => !known.has(u.rule));
  if (others.length > 0) {
    // A rule this version of the app does not know yet: attach it to the last line so it blocks.
    const last = lines[lines.length - 1]!;
    last.met = false;
    last.problems.push(...dedupe(others.map((u) => describeUnmet(u, locale))));
  }
  return lines;
}

function dedupe(values: string[]): string[] {
  return [...new Set(values)];
}
