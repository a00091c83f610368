/**
 * A small router on the History API: patterns like `/projects/:id`, links intercepted when they
 * carry `data-nav`, and a pure `match()` for tests.
 */

export interface Match {
  name: string;
  params: Record<string, string>;
}

export interface Route {
  name: string;
  pattern: string;
}

/** Matches `path` (no query) against the routes, in order. Parameters are URI-decoded. */
export function match(routes: readonly Route[], path: string): Match | null {
  const clean = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const parts = clean.split('/').filter(Boolean);
  for (const route of routes) {
    const pattern = route.pattern.split('/').filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pattern.length; i += 1) {
      const p = pattern[i]!;
      const v = parts[i]!;
      if (p.startsWith(':')) {
        try {
          params[p.slice(1)] = decodeURIComponent(v);
        } catch {
          ok = false;
          break;
        }
      } else if (p !== v) {
        ok = false;
        break;
      }
    }
    if (ok) return { name: route.name, params };
  }
  return null;
}

/** Only same-origin, app-relative paths may be navigated to after login (`next=`). */
export function safeNext(raw: string | null | undefined): string | null {
  if (!raw) return null;
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\') || raw.startsWith('/api/')) return null;
  return raw;
}

export type Listener = (location: { path: string; query: URLSearchParams }) => void;

export class Router {
  private listener: Listener | null = null;
  private guard: () => boolean = () => true;

  /** Asked before an in-app navigation; returning false stays on the page. */
  setGuard(guard: () => boolean): void {
    this.guard = guard;
  }

  start(listener: Listener): void {
    this.listener = listener;
    window.addEventListener('popstate', () => this.emit());
    document.addEventListener('click', (event) => {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const link = (event.target as Element | null)?.closest?.('a[data-nav]');
      if (!(link instanceof HTMLAnchorElement) || link.target || link.hasAttribute('download')) return;
      const url = new URL(link.href);
      if (url.origin !== location.origin) return;
      event.preventDefault();
      this.navigate(url.pathname + url.search);
    });
    this.emit();
  }

  navigate(to: string, { replace = false } = {}): void {
    if (!replace && !this.guard()) return;
    if (replace) history.replaceState(null, '', to);
    else history.pushState(null, '', to);
    this.emit();
  }

  /** Renders the current location again (language change). */
  refresh(): void {
    this.emit();
  }

  private emit(): void {
    this.listener?.({ path: location.pathname, query: new URLSearchParams(location.search) });
  }
}

export const router = new Router();
