import { describe, expect, it } from 'vitest';
import { LOCALES, format, messages, pickLocale, t, tn } from './i18n';

describe('pickLocale', () => {
  it('is French for a French browser', () => {
    expect(pickLocale('fr', null)).toBe('fr');
    expect(pickLocale('fr-FR', null)).toBe('fr');
    expect(pickLocale('fr-CA', undefined)).toBe('fr');
    expect(pickLocale('FR-be', null)).toBe('fr');
  });

  it('is English for an English browser', () => {
    expect(pickLocale('en', null)).toBe('en');
    expect(pickLocale('en-US', null)).toBe('en');
    expect(pickLocale('EN-gb', null)).toBe('en');
  });

  it('is French when the browser language is unknown', () => {
    expect(pickLocale(undefined, null)).toBe('fr');
    expect(pickLocale(null, null)).toBe('fr');
    expect(pickLocale('', null)).toBe('fr');
    expect(pickLocale('   ', null)).toBe('fr');
  });

  it('is English for other languages (the only other one offered)', () => {
    expect(pickLocale('de-DE', null)).toBe('en');
    expect(pickLocale('nl', null)).toBe('en');
  });

  it('prefers a valid stored choice over the browser language', () => {
    expect(pickLocale('fr-FR', 'en')).toBe('en');
    expect(pickLocale('en-US', 'fr')).toBe('fr');
    expect(pickLocale(undefined, 'en')).toBe('en');
    expect(pickLocale('en-US', ' FR ')).toBe('fr');
  });

  it('ignores an invalid stored value', () => {
    expect(pickLocale('en-US', 'de')).toBe('en');
    expect(pickLocale('fr-FR', '')).toBe('fr');
    expect(pickLocale('en', 'english')).toBe('en');
  });
});

describe('dictionary and t()', () => {
  it('has the same non-empty keys in every locale', () => {
    const reference = Object.keys(messages.fr).sort();
    for (const locale of LOCALES) {
      expect(Object.keys(messages[locale]).sort()).toEqual(reference);
      for (const value of Object.values(messages[locale])) expect(value.trim()).not.toBe('');
    }
  });

  it('translates with the tagline of each locale', () => {
    expect(t('app.tagline', undefined, 'fr')).toBe('Concerter avant de convoquer');
    expect(t('app.tagline', undefined, 'en')).toBe('Consult before you convene');
  });

  it('fills placeholders and leaves unknown ones', () => {
    expect(t('health.httpError', { status: 500 }, 'en')).toBe('The server answered with an error (HTTP 500).');
    expect(format('{a} and {b}', { a: 1 })).toBe('1 and {b}');
    expect(format('no params')).toBe('no params');
  });
});

describe('tn (plurals through Intl.PluralRules)', () => {
  it('follows each language’s rule: French counts 0 as singular, English does not', () => {
    expect(tn('register.count', 0, {}, 'fr')).toBe('0 décision');
    expect(tn('register.count', 1, {}, 'fr')).toBe('1 décision');
    expect(tn('register.count', 2, {}, 'fr')).toBe('2 décisions');
    expect(tn('register.count', 0, {}, 'en')).toBe('0 decisions');
    expect(tn('register.count', 1, {}, 'en')).toBe('1 decision');
    expect(tn('myActions.count', 3, { overdue: 1 }, 'fr')).toBe('3 actions, dont 1 en retard.');
  });
  it('leaves no "(s)" in any message', () => {
    for (const locale of ['fr', 'en'] as const) {
      for (const [key, text] of Object.entries(messages[locale])) expect(text, key).not.toMatch(/\(s\)|\(e\)s/);
    }
  });
});
