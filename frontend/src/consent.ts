/** The state of an agreement as people read it (pure). */

import type { Agreement } from './api';

export type AgreementState = 'none' | 'objected' | 'current' | 'stale';

/** `none` (never agreed), `objected`, `current` (agreed to the text as it is) or `stale` (agreed, text changed since). */
export function agreementState(agreement: Pick<Agreement, 'decision' | 'current'> | null | undefined): AgreementState {
  if (!agreement) return 'none';
  if (agreement.decision === 'object') return 'objected';
  return agreement.current ? 'current' : 'stale';
}
