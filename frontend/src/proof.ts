/**
 * Proof of consent in the browser, the pure part: the file a receipt downloads as, the link that
 * downloads it, and the order of a project's attestations.
 */

import type { Attestation } from './api';

export type ReceiptSubject = 'acceptance' | 'mission';

/** A name as a file-name fragment: lowercase ASCII letters and digits joined by dashes. */
export function slug(name: string): string {
  const ascii = name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return ascii.slice(0, 60) || 'organisation';
}

/** `recu-acceptation-caf-du-rhone.jws`: what the file is, and for whom. */
export function receiptFileName(subject: ReceiptSubject, organizationName: string, locale: 'fr' | 'en'): string {
  const words =
    locale === 'fr' ? { acceptance: 'recu-acceptation', mission: 'recu-mission' } : { acceptance: 'receipt-acceptance', mission: 'receipt-mission' };
  return `${words[subject]}-${slug(organizationName)}.jws`;
}

/** A link that downloads the receipt as it is (a compact JWS, `application/jose`, RFC 7515). */
export function receiptHref(jws: string): string {
  return `data:application/jose;charset=utf-8,${encodeURIComponent(jws)}`;
}

/** Attestations still in force first, newest first within each group. */
export function attestationOrder(list: Attestation[]): Attestation[] {
  return [...list].sort((a, b) => {
    const revoked = Number(a.revoked_at !== null) - Number(b.revoked_at !== null);
    return revoked !== 0 ? revoked : b.created_at.localeCompare(a.created_at);
  });
}
