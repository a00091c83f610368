/**
 * How the views of partners' time read again while they are open. Issue 16 replaces polling with
 * server events (`onChange` in app.ts); this code was written on a base where app.ts still has
 * `every` (a timer). It takes whichever app.ts provides — server events when there are, else a
 * slow poll — so that it is right on both sides of that merge; once merged, call `onChange`.
 */

import * as app from './app';
import type { ViewContext } from './app';

interface Shell {
  onChange?: (ctx: ViewContext, fn: () => unknown) => void;
  every?: (ctx: ViewContext, ms: number, fn: () => unknown) => void;
}

export function readAgain(ctx: ViewContext, fn: () => unknown, pollMs = 10_000): void {
  const shell: Shell = app;
  if (shell.onChange) shell.onChange(ctx, fn);
  else shell.every?.(ctx, pollMs, fn);
}
