import { describe, expect, it } from 'vitest';
import { HEALTH_PATH, MAX_REASON_LENGTH, cleanReason, describeHealth, fetchHealth, loadingHealth } from './health';

describe('describeHealth', () => {
  it('is ok for 200 {"status":"ok","database":"ok"}', () => {
    const fr = describeHealth(200, { status: 'ok', database: 'ok' }, 'fr');
    expect(fr.state).toBe('ok');
    expect(fr.label).toBe('Opérationnel');
    expect(fr.text).toBe('Tout fonctionne\u00a0: le serveur et la base de données répondent.');
    const en = describeHealth(200, { status: 'ok', database: 'ok' }, 'en');
    expect(en).toEqual({
      state: 'ok',
      label: 'Operational',
      text: 'All good: the server and the database are responding.',
    });
  });

  it('is degraded for 503 with the database reason', () => {
    const body = { status: 'degraded', database: 'connection refused' };
    const en = describeHealth(503, body, 'en');
    expect(en.state).toBe('degraded');
    expect(en.label).toBe('Degraded');
    expect(en.text).toBe('Degraded service. Database: connection refused');
    const fr = describeHealth(503, body, 'fr');
    expect(fr.state).toBe('degraded');
    expect(fr.text).toContain('connection refused');
    expect(fr.text.startsWith('Service dégradé')).toBe(true);
  });

  it('keeps server text as plain text (no HTML interpretation)', () => {
    const view = describeHealth(503, { status: 'degraded', database: '<img src=x onerror=alert(1)>' }, 'en');
    expect(view.text).toBe('Degraded service. Database: <img src=x onerror=alert(1)>');
  });

  it('is degraded without a reason when a 503 body is malformed', () => {
    for (const body of [undefined, null, 'oops', 42, [], {}, { status: 'degraded' }, { database: 17 }]) {
      const view = describeHealth(503, body, 'en');
      expect(view.state).toBe('degraded');
      expect(view.text).toBe('Degraded service: the database is not responding properly.');
    }
  });

  it('is down on a network error (null status)', () => {
    const fr = describeHealth(null, undefined, 'fr');
    expect(fr.state).toBe('down');
    expect(fr.label).toBe('Injoignable');
    expect(fr.text).toBe('Le serveur est injoignable. Nouvel essai dans quelques secondes.');
    expect(describeHealth(null, { status: 'ok' }, 'en').state).toBe('down');
  });

  it('flags a malformed 200 body as an unexpected answer', () => {
    for (const body of [undefined, null, 'ok', 1, ['ok'], {}, { status: 'OK' }, { status: 'fine' }]) {
      const view = describeHealth(200, body, 'en');
      expect(view.state).toBe('degraded');
      expect(view.text).toBe('Unexpected answer from the server (HTTP 200).');
    }
  });

  it('is down for other HTTP errors', () => {
    expect(describeHealth(502, undefined, 'en')).toEqual({
      state: 'down',
      label: 'Unreachable',
      text: 'The server answered with an error (HTTP 502).',
    });
    expect(describeHealth(404, '<html>', 'fr').state).toBe('down');
    expect(describeHealth(500, { status: 'ok' }, 'fr').state).toBe('down');
  });

  it('treats an explicit "degraded" status as degraded whatever the code', () => {
    expect(describeHealth(200, { status: 'degraded', database: 'slow' }, 'en').text).toBe('Degraded service. Database: slow');
  });

  it('has a loading view', () => {
    expect(loadingHealth('fr')).toEqual({
      state: 'loading',
      label: 'Vérification',
      text: 'Vérification de l’état du serveur…',
    });
    expect(loadingHealth('en').state).toBe('loading');
  });
});

describe('cleanReason', () => {
  it('flattens control characters and trims', () => {
    expect(cleanReason('  a\nb\t\u0000c  ')).toBe('a b c');
  });
  it('rejects non-strings and blank strings', () => {
    expect(cleanReason(undefined)).toBeNull();
    expect(cleanReason(3)).toBeNull();
    expect(cleanReason(' \n ')).toBeNull();
  });
  it('shortens long reasons', () => {
    const out = cleanReason('x'.repeat(1000));
    expect(out).not.toBeNull();
    expect(out!.length).toBe(MAX_REASON_LENGTH);
    expect(out!.endsWith('…')).toBe(true);
  });
});

describe('fetchHealth', () => {
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

  it('returns the status and the parsed body', async () => {
    const calls: Array<{ input: string; init?: RequestInit }> = [];
    const result = await fetchHealth(async (input, init) => {
      calls.push({ input, init });
      return json(200, { status: 'ok', database: 'ok' });
    });
    expect(result).toEqual({ status: 200, body: { status: 'ok', database: 'ok' } });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.input).toBe(HEALTH_PATH);
    expect(calls[0]!.init?.cache).toBe('no-store');
  });

  it('passes a 503 through', async () => {
    const result = await fetchHealth(async () => json(503, { status: 'degraded', database: 'timeout' }));
    expect(result).toEqual({ status: 503, body: { status: 'degraded', database: 'timeout' } });
  });

  it('gives an undefined body when it is not JSON', async () => {
    const result = await fetchHealth(async () => new Response('<h1>Bad gateway</h1>', { status: 502 }));
    expect(result).toEqual({ status: 502, body: undefined });
  });

  it('gives a null status on a network error', async () => {
    const result = await fetchHealth(async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(result).toEqual({ status: null, body: undefined });
  });

  it('gives a null status on timeout', async () => {
    const result = await fetchHealth(
      (_input, init) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
      20,
    );
    expect(result).toEqual({ status: null, body: undefined });
  });
});
