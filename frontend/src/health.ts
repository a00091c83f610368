/**
 * Server health: a pure interpretation of `GET /healthz` answers, and a thin
 * fetch wrapper that never throws.
 *
 * The server answers 200 `{"status":"ok","database":"ok"}` when healthy, and
 * 503 `{"status":"degraded","database":"<reason>"}` when the database is not.
 */

import { type Locale, type MessageKey, t } from './i18n';

export type HealthState = 'ok' | 'degraded' | 'down' | 'loading';

export interface HealthView {
  state: HealthState;
  /** A short label for the state (a badge). */
  label: string;
  /** The full sentence shown to the user. Plain text: always render with textContent. */
  text: string;
}

export interface HealthResult {
  /** HTTP status, or null when no answer came (network error, timeout). */
  status: number | null;
  /** The parsed JSON body, or undefined when absent or not JSON. */
  body: unknown;
}

export const HEALTH_PATH = '/healthz';
/** Longest database reason shown; longer ones are cut with an ellipsis. */
export const MAX_REASON_LENGTH = 200;

function view(state: HealthState, key: MessageKey, locale: Locale, params?: Record<string, string | number>): HealthView {
  return { state, label: t(`health.label.${state}`, undefined, locale), text: t(key, params, locale) };
}

/** The view shown before the first answer arrives. */
export function loadingHealth(locale: Locale): HealthView {
  return view('loading', 'health.loading', locale);
}

/** Makes a server-provided reason safe to display as one short line of text. */
export function cleanReason(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const oneLine = value
    // Control characters (a reason is shown as one line of text).
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (oneLine === '') return null;
  return oneLine.length > MAX_REASON_LENGTH ? `${oneLine.slice(0, MAX_REASON_LENGTH - 1)}…` : oneLine;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Interprets one health-check answer.
 *
 * - no status (network error)                        → down
 * - 2xx with `status: "ok"`                          → ok
 * - 503, or any answer with `status: "degraded"`     → degraded (with the database reason if given)
 * - another HTTP error (404, 500, 502 from a proxy…) → down
 * - 2xx with a body that is not the expected shape   → degraded ("unexpected answer")
 */
export function describeHealth(status: number | null, body: unknown, locale: Locale): HealthView {
  if (status === null) return view('down', 'health.down', locale);

  const record = isRecord(body) ? body : null;
  const declared = record?.status;

  if (status >= 200 && status < 300 && declared === 'ok') {
    return view('ok', 'health.ok', locale);
  }
  if (status === 503 || declared === 'degraded') {
    const reason = cleanReason(record?.database);
    return reason === null ? view('degraded', 'health.degraded', locale) : view('degraded', 'health.degradedReason', locale, { reason });
  }
  if (status < 200 || status >= 300) {
    return view('down', 'health.httpError', locale, { status });
  }
  return view('degraded', 'health.unexpected', locale, { status });
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * Calls `GET /healthz`. Never throws: a network error or a timeout gives
 * `{ status: null }`, a body that is not JSON gives `body: undefined`.
 */
export async function fetchHealth(fetchImpl: FetchLike = (input, init) => fetch(input, init), timeoutMs = 8000): Promise<HealthResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetchImpl(HEALTH_PATH, {
      method: 'GET',
      headers: { Accept: 'application/json' },
      cache: 'no-store',
      signal: controller.signal,
    });
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    return { status: response.status, body };
  } catch {
    return { status: null, body: undefined };
  } finally {
    clearTimeout(timer);
  }
}
