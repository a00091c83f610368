import { describe, expect, it } from 'vitest';
import { Api, ApiError, toApiError } from './api';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('toApiError', () => {
  it('maps the error body of API.md', () => {
    const e = toApiError(400, { error: 'invalid_input', message: 'bad', field: 'contact_email' });
    expect(e).toBeInstanceOf(ApiError);
    expect([e.status, e.code, e.message, e.field]).toEqual([400, 'invalid_input', 'bad', 'contact_email']);
  });
  it('keeps the gate’s unmet list', () => {
    const e = toApiError(409, {
      error: 'concertation_incomplete',
      message: '…',
      unmet: [{ rule: 'mission_not_agreed', organization_id: 'o', organization_name: 'CAF' }, 'junk', { nope: 1 }],
    });
    expect(e.code).toBe('concertation_incomplete');
    expect(e.unmet).toEqual([{ rule: 'mission_not_agreed', organization_id: 'o', organization_name: 'CAF' }]);
  });
  it('keeps extra members (stale_content carries the current hash)', () => {
    const e = toApiError(409, { error: 'stale_content', content_hash: 'sha256:1' });
    expect(e.body.content_hash).toBe('sha256:1');
  });
  it('copes with bodies that are not the error shape', () => {
    for (const body of [undefined, null, 'x', [], { error: 3 }]) {
      const e = toApiError(502, body);
      expect([e.code, e.message, e.field, e.unmet]).toEqual(['http_502', '', null, []]);
    }
    expect(toApiError(404, { error: 'not_found' }).notFound).toBe(true);
  });
});

describe('Api.request', () => {
  it('sends JSON with the session cookie and parses the answer', async () => {
    const calls: Array<[string, RequestInit | undefined]> = [];
    const api = new Api(async (input, init) => {
      calls.push([input, init]);
      return json(201, { id: 'p1', title: 'T' });
    });
    const project = await api.createProject({ title: 'T', summary: '', initiator_organization_id: 'o' });
    expect(project.id).toBe('p1');
    const [url, init] = calls[0]!;
    expect(url).toBe('/api/projects');
    expect(init?.method).toBe('POST');
    expect(init?.credentials).toBe('same-origin');
    expect((init?.headers as Record<string, string>)['Content-Type']).toBe('application/json');
    expect(JSON.parse(String(init?.body))).toEqual({ title: 'T', summary: '', initiator_organization_id: 'o' });
  });
  it('encodes path parameters', async () => {
    const urls: string[] = [];
    const api = new Api(async (input) => {
      urls.push(input);
      return json(200, {});
    });
    await api.mission('a/b', 'c?d');
    expect(urls[0]).toBe('/api/projects/a%2Fb/missions/c%3Fd');
  });
  it('accepts empty answers (202, 204)', async () => {
    const api = new Api(async () => new Response(null, { status: 202 }));
    await expect(api.requestLink('a@b.example')).resolves.toBeUndefined();
  });
  it('throws typed errors', async () => {
    const api = new Api(async () => json(409, { error: 'stale_content', message: 'changed' }));
    await expect(api.agreeMission('p', 'o', 'h')).rejects.toMatchObject({ status: 409, code: 'stale_content' });
  });
  it('treats an HTML answer as a missing endpoint (404)', async () => {
    const api = new Api(async () => new Response('<!doctype html><html></html>', { status: 200, headers: { 'Content-Type': 'text/html' } }));
    await expect(api.meetings('p')).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });
  it('maps network failures', async () => {
    const api = new Api(async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(api.projects()).rejects.toMatchObject({ status: 0, code: 'network' });
  });
});
