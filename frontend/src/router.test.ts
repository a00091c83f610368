import { describe, expect, it } from 'vitest';
import { match, safeNext } from './router';

const routes = [
  { name: 'home', pattern: '/' },
  { name: 'login', pattern: '/login' },
  { name: 'project', pattern: '/projects/:id' },
  { name: 'meeting', pattern: '/meetings/:id' },
];

describe('match', () => {
  it('matches static and parameterized routes', () => {
    expect(match(routes, '/')).toEqual({ name: 'home', params: {} });
    expect(match(routes, '/login')).toEqual({ name: 'login', params: {} });
    expect(match(routes, '/projects/abc-1')).toEqual({ name: 'project', params: { id: 'abc-1' } });
    expect(match(routes, '/projects/abc/')).toEqual({ name: 'project', params: { id: 'abc' } });
    expect(match(routes, '/meetings/a%20b')).toEqual({ name: 'meeting', params: { id: 'a b' } });
  });
  it('does not match other paths', () => {
    expect(match(routes, '/projects')).toBeNull();
    expect(match(routes, '/projects/a/b')).toBeNull();
    expect(match(routes, '/nope')).toBeNull();
    expect(match(routes, '/projects/%E0%A4%A')).toBeNull();
  });
});

describe('safeNext', () => {
  it('keeps app paths only', () => {
    expect(safeNext('/projects/1')).toBe('/projects/1');
    expect(safeNext('//evil.example')).toBeNull();
    expect(safeNext('https://evil.example')).toBeNull();
    expect(safeNext('/\\evil.example')).toBeNull();
    expect(safeNext('/api/auth/logout')).toBeNull();
    expect(safeNext(null)).toBeNull();
  });
});
