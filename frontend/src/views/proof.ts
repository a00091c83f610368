/**
 * Proof of consent on the project page: the initiator's attestations (attest, the public links,
 * revoke) and, for every accepted partner, its signed receipts to download.
 */

import { type Project, api } from '../api';
import { type ViewContext } from '../app';
import { h, replace, uid } from '../dom';
import { getLocale, t } from '../i18n';
import { attestationOrder, receiptFileName, receiptHref } from '../proof';
import { announce, busy, confirmDialog, feedback } from '../ui';
import { formatDate } from '../dates';

/** The attestations of the project (the initiator's members only). */
export function attestationsSection(ctx: ViewContext, project: Project): HTMLElement {
  const titleId = uid('attestations');
  const list = h('ul', { class: 'attestations' });
  const status = feedback();
  const attest = h('button', { type: 'button', class: 'primary' }, t('proof.attest'));

  const render = async () => {
    const attestations = attestationOrder(await api.attestations(project.id));
    if (ctx.signal.aborted) return;
    replace(
      list,
      attestations.length === 0
        ? h('li', { class: 'empty' }, t('proof.none'))
        : attestations.map((a) => {
            const revoke = a.revoked_at ? null : h('button', { type: 'button', class: 'secondary small' }, t('proof.revoke'));
            revoke?.addEventListener('click', async () => {
              const ok = await confirmDialog(t('proof.revoke'), [t('proof.revokeConfirm')], t('common.confirm'));
              if (!ok) return;
              try {
                await api.revokeAttestation(a.id);
                status.ok(t('proof.revoked'));
                await render();
              } catch (error) {
                status.error(error);
              }
            });
            return h(
              'li',
              { class: 'attestation card', dataset: { attestation: a.id, revoked: String(a.revoked_at !== null) } },
              h('strong', null, t('proof.item', { date: formatDate(a.created_at), name: a.created_by.display_name })),
              ' ',
              a.revoked_at
                ? h('span', { class: 'badge partner-withdrawn' }, t('proof.revokedOn', { date: formatDate(a.revoked_at) }))
                : h('span', { class: 'badge partner-accepted' }, t('proof.active')),
              h('p', { class: 'attestation-link' }, h('a', { href: a.url, target: '_blank', rel: 'noopener' }, a.url)),
              revoke,
            );
          }),
    );
  };

  attest.addEventListener(
    'click',
    () =>
      void busy(attest, async () => {
        try {
          const created = await api.attest(project.id);
          announce(t('proof.created'));
          status.ok(t('proof.createdLink', { url: created.url }));
          await render();
        } catch (error) {
          status.error(error);
        }
      }),
  );
  void render().catch((error) => status.error(error));
  return h(
    'section',
    { class: 'card attestations-section', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, t('proof.title')),
    h('p', { class: 'help' }, t('proof.intro')),
    h('div', { class: 'actions' }, attest),
    status.el,
    list,
  );
}

/** A placeholder, in a partner's row, for the links to its receipts (see `fillReceipts`). */
export function receiptsSlot(organizationId: string): HTMLElement {
  return h('p', { class: 'receipts muted', dataset: { receiptsFor: organizationId } });
}

/** Fills every receipts slot under `container` from the sheet: the acceptance and the mission. */
export async function fillReceipts(container: HTMLElement, projectId: string): Promise<void> {
  const sheet = await api.sheetReceipts(projectId);
  const locale = getLocale();
  for (const partner of sheet.partners) {
    const slot = container.querySelector<HTMLElement>(`[data-receipts-for="${CSS.escape(partner.organization_id)}"]`);
    if (!slot) continue;
    const link = (jws: string, subject: 'acceptance' | 'mission') =>
      h(
        'a',
        { href: receiptHref(jws), download: receiptFileName(subject, partner.organization_name, locale), class: 'receipt' },
        t(`proof.receipt.${subject}`),
      );
    const links = [
      partner.receipt ? link(partner.receipt, 'acceptance') : null,
      partner.agreement?.receipt && partner.agreement.decision === 'agree' && partner.agreement.current ? link(partner.agreement.receipt, 'mission') : null,
    ].filter((a): a is HTMLAnchorElement => a !== null);
    replace(slot, links.length === 0 ? [] : [`${t('proof.receipts')} `, ...links.flatMap((a, i) => (i === 0 ? [a] : [' · ', a]))]);
  }
}
