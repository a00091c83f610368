/**
 * Internationalisation: a typed dictionary (French is the reference language),
 * locale selection and a tiny `t()` helper.
 *
 * Every message lives in `fr`; `en` must provide exactly the same keys, which the
 * type checker enforces. Placeholders are written `{name}` and filled by `t()`.
 */

export const LOCALES = ['fr', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'fr';

/** localStorage key under which the user's explicit choice is kept. */
export const LOCALE_STORAGE_KEY = 'amont.locale';

// U+00A0 (no-break space) before ":" as French typography wants.
const fr = {
  'page.title': 'Amont — Concerter avant de convoquer',
  'skip': 'Aller au contenu',
  'app.name': 'Amont',
  'app.tagline': 'Concerter avant de convoquer',
  'app.running': 'Amont est en service.',
  'app.description':
    'Planification de réunions entre institutions partenaires\u00a0: on se concerte d’abord, on convoque ensuite.',
  'lang.label': 'Langue',
  'lang.fr': 'Français',
  'lang.en': 'English',
  'health.heading': 'État du service',
  'health.label.ok': 'Opérationnel',
  'health.label.degraded': 'Dégradé',
  'health.label.down': 'Injoignable',
  'health.label.loading': 'Vérification',
  'health.loading': 'Vérification de l’état du serveur…',
  'health.ok': 'Tout fonctionne\u00a0: le serveur et la base de données répondent.',
  'health.degraded': 'Service dégradé\u00a0: la base de données ne répond pas correctement.',
  'health.degradedReason': 'Service dégradé. Base de données\u00a0: {reason}',
  'health.down': 'Le serveur est injoignable. Nouvel essai dans quelques secondes.',
  'health.httpError': 'Le serveur a répondu par une erreur (HTTP {status}).',
  'health.unexpected': 'Réponse inattendue du serveur (HTTP {status}).',
  'health.lastChecked': 'Dernière vérification\u00a0: {time}',
  'health.refreshNote': 'Actualisé toutes les 10 secondes.',
  'footer.text': 'Amont — planification de réunions entre partenaires',
} as const;

export type MessageKey = keyof typeof fr;
export type Messages = Record<MessageKey, string>;

const en: Messages = {
  'page.title': 'Amont — Consult before you convene',
  'skip': 'Skip to content',
  'app.name': 'Amont',
  'app.tagline': 'Consult before you convene',
  'app.running': 'Amont is running.',
  'app.description':
    'Meeting scheduling between partner institutions: consult one another first, convene afterwards.',
  'lang.label': 'Language',
  'lang.fr': 'Français',
  'lang.en': 'English',
  'health.heading': 'Service status',
  'health.label.ok': 'Operational',
  'health.label.degraded': 'Degraded',
  'health.label.down': 'Unreachable',
  'health.label.loading': 'Checking',
  'health.loading': 'Checking the server status…',
  'health.ok': 'All good: the server and the database are responding.',
  'health.degraded': 'Degraded service: the database is not responding properly.',
  'health.degradedReason': 'Degraded service. Database: {reason}',
  'health.down': 'The server cannot be reached. Retrying in a few seconds.',
  'health.httpError': 'The server answered with an error (HTTP {status}).',
  'health.unexpected': 'Unexpected answer from the server (HTTP {status}).',
  'health.lastChecked': 'Last checked: {time}',
  'health.refreshNote': 'Refreshed every 10 seconds.',
  'footer.text': 'Amont — meeting scheduling between partners',
};

export const messages: Record<Locale, Messages> = { fr, en };

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/**
 * Chooses the UI language.
 *
 * 1. An explicit, valid stored choice (`"fr"` / `"en"`) always wins.
 * 2. Otherwise the browser language: French when it starts with "fr" or is
 *    unknown (missing / empty), English for any other language ("en-GB", "de", ...),
 *    since English is the only other language offered.
 */
export function pickLocale(
  navigatorLanguage: string | null | undefined,
  stored: string | null | undefined,
): Locale {
  const saved = stored?.trim().toLowerCase();
  if (isLocale(saved)) return saved;
  const lang = navigatorLanguage?.trim().toLowerCase() ?? '';
  if (lang === '' || lang.startsWith('fr')) return 'fr';
  return 'en';
}

let currentLocale: Locale = DEFAULT_LOCALE;

export function getLocale(): Locale {
  return currentLocale;
}

export function setLocale(locale: Locale): void {
  currentLocale = locale;
}

export type Params = Record<string, string | number>;

/** Fills `{name}` placeholders; unknown placeholders are left as they are. */
export function format(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}

/** Translates `key` into `locale` (the current locale by default). */
export function t(key: MessageKey, params?: Params, locale: Locale = currentLocale): string {
  return format(messages[locale][key], params);
}
