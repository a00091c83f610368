import { describe, expect, it } from 'vitest';
import type { Attestation } from './api';
import { attestationOrder, receiptFileName, receiptHref, slug } from './proof';

const attestation = (id: string, created_at: string, revoked_at: string | null = null): Attestation => ({
  id,
  url: `https://amont.example.org/verify/${id}`,
  created_at,
  created_by: { user_id: 'u', display_name: 'Inès' },
  revoked_at,
});

describe('receipt downloads', () => {
  it('names the file after what it receipts and for whom, in ASCII', () => {
    expect(receiptFileName('acceptance', 'CAF du Rhône', 'fr')).toBe('recu-acceptation-caf-du-rhone.jws');
    expect(receiptFileName('mission', 'Ville de Trappes (78)', 'en')).toBe('receipt-mission-ville-de-trappes-78.jws');
    expect(slug('  «  »  ')).toBe('organisation');
    expect(slug('Élan & Cie — Île-de-France')).toBe('elan-cie-ile-de-france');
  });

  it('downloads the JWS byte for byte', () => {
    const jws = 'eyJhbGciOiJFZERTQSJ9.eyJhIjoxfQ.c2ln-_';
    const href = receiptHref(jws);
    expect(href.startsWith('data:application/jose;charset=utf-8,')).toBe(true);
    expect(decodeURIComponent(href.slice(href.indexOf(',') + 1))).toBe(jws);
  });
});

describe('attestation list', () => {
  it('shows those in force first, newest first', () => {
    const order = attestationOrder([
      attestation('old', '2026-12-01T10:00:00Z'),
      attestation('revoked', '2026-12-03T10:00:00Z', '2026-12-04T10:00:00Z'),
      attestation('new', '2026-12-02T10:00:00Z'),
    ]);
    expect(order.map((a) => a.id)).toEqual(['new', 'old', 'revoked']);
  });
});
