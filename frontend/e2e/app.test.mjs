// End to end: two people in two browser contexts, against the real server, a fresh PostgreSQL
// database and a real SMTP server on loopback. Run with `npm run e2e`.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { readMail, repo, startStack, stopStack, waitForLink } from './harness.mjs';

const shots = join(repo, 'test-artifacts', 'screenshots');
mkdirSync(shots, { recursive: true });

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];
const INITIATOR = 'ines@mjc.example';
const PARTNER = 'sophie@caf.example';
const XSS_TITLE = 'Accueil jeunes <script>window.__pwned = 1</script>';
const CAF = 'CAF des Yvelines';
const MJC = 'MJC des Quatre Vents';

let stack;
let browser;
let ines; // initiator's page
let sophie; // partner's page
let projectUrl;
let liveOn = false;
let meetingsOn = false;

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function newPage() {
  const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
  return page;
}

async function logIn(page, email) {
  const before = readMail(stack.maildir).length;
  await page.goto(`${stack.base}/`);
  await page.getByLabel('Adresse e-mail').fill(email);
  await page.getByRole('button', { name: 'Recevoir un lien de connexion' }).click();
  await page.getByText('Consultez votre messagerie').waitFor();
  const link = await waitForLink(stack.maildir, email, { after: before });
  await page.goto(new URL(link, stack.base).toString());
  await page.getByRole('button', { name: 'Se déconnecter' }).waitFor();
}

before(async () => {
  stack = await startStack();
  browser = await chromium.launch({ executablePath: process.env.AMONT_CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  if (stack) await stopStack(stack);
});

describe('consult, co-edit, agree', { concurrency: false }, () => {
  test('the initiator logs in by magic link', async () => {
    ines = await newPage();
    await ines.goto(`${stack.base}/`);
    await ines.getByRole('heading', { level: 1, name: 'Connexion' }).waitFor();
    await shot(ines, '01-login');
    await logIn(ines, INITIATOR);
  });

  test('creates an organization, then a project whose title is shown as text', async () => {
    await ines.getByLabel('Nom de l’organisation').fill(MJC);
    await ines.getByRole('button', { name: 'Créer mon organisation' }).click();
    await ines.getByLabel('Titre du projet').fill(XSS_TITLE);
    await ines.getByLabel('Résumé').fill('Un lieu pour les 16-25 ans du quartier.');
    await shot(ines, '02-projects-create');
    await ines.getByRole('button', { name: 'Créer le projet' }).click();
    const heading = ines.getByRole('heading', { level: 1 });
    await heading.filter({ hasText: 'Accueil jeunes' }).waitFor();
    assert.equal(await heading.textContent(), XSS_TITLE);
    assert.equal(await ines.evaluate(() => window.__pwned), undefined);
    assert.equal(await ines.locator('main script').count(), 0);
    projectUrl = ines.url();
    liveOn = (await ines.locator('#conn').getAttribute('data-live')) === 'on';
    console.log(liveOn ? '# live editing: /ws/projects/{id} answers, live steps enabled' : '# live editing: /ws/projects/{id} is not on this server (404): live steps skipped, HTTP editing tested');
  });

  test('invites a partner, who receives a consultation', async () => {
    await ines.getByLabel('Nom de l’organisation').fill(CAF);
    await ines.getByLabel('E-mail du contact').fill(PARTNER);
    await ines.getByLabel('Rôle proposé').fill('Cofinancement');
    await ines.getByRole('button', { name: 'Envoyer la consultation' }).click();
    await ines.getByText(`Consultation envoyée à ${PARTNER}`).waitFor();
    await ines.locator('.partner', { hasText: CAF }).getByText('Consulté, sans réponse').waitFor();
    await shot(ines, '03-project-initiator');
  });

  test('the partner follows the consultation link and accepts', async () => {
    sophie = await newPage();
    const link = await waitForLink(stack.maildir, PARTNER);
    assert.match(link, /project=/);
    await sophie.goto(new URL(link, stack.base).toString());
    const panel = sophie.getByRole('region', { name: 'Vous êtes consulté·e' });
    await panel.waitFor();
    assert.equal(sophie.url(), projectUrl);
    await shot(sophie, '04-consulted');
    await panel.getByLabel('Commentaire pour les partenaires').fill('Avec plaisir, sous réserve du budget 2027.');
    await panel.getByRole('button', { name: `Accepter au nom de ${CAF}` }).click();
    await sophie.locator('.partner', { hasText: CAF }).getByText('A accepté').waitFor();
    assert.equal(await sophie.getByRole('region', { name: 'Vous êtes consulté·e' }).count(), 0);
    // The initiator sees the answer without reloading.
    await ines.locator('.partner', { hasText: CAF }).getByText('A accepté').waitFor({ timeout: 15_000 });
  });

  test('both edit the brief and the mission; the partner agrees; a change makes it stale', async () => {
    await ines.reload();
    const brief = (page) => page.getByRole('textbox', { name: 'Présentation du projet' });
    const mission = (page) => page.getByRole('textbox', { name: `Mission de ${CAF}` });
    const missionSection = (page) => page.locator(`[data-section^="mission:"]`, { hasText: `Mission de ${CAF}` });
    await brief(ines).waitFor();
    await mission(ines).waitFor();
    await ines.waitForFunction(() => !document.querySelector('.doc-text[disabled]'));
    await brief(ines).fill('Ouvrir un accueil jeunes le mercredi et le samedi.');
    await mission(ines).fill('Cofinancer l’animateur à mi-temps pendant deux ans.');
    if (!liveOn) {
      await ines.locator('[data-section="brief"]').getByRole('button', { name: 'Enregistrer' }).click();
      await ines.locator('[data-section="brief"]').getByText('Texte enregistré.').waitFor();
      await missionSection(ines).getByRole('button', { name: 'Enregistrer' }).click();
      await missionSection(ines).getByText('Texte enregistré.').waitFor();
    }
    // The partner sees both texts (live at once, or on the next refresh).
    await sophie.waitForFunction((caf) => {
      const areas = [...document.querySelectorAll('textarea.doc-text')];
      return areas.some((a) => a.value.includes('mercredi')) && areas.some((a) => a.value.includes('mi-temps'));
    }, CAF, { timeout: 20_000 });
    // The partner adds to the brief too.
    await brief(sophie).fill('Ouvrir un accueil jeunes le mercredi et le samedi, avec la CAF.');
    if (!liveOn) await sophie.locator('[data-section="brief"]').getByRole('button', { name: 'Enregistrer' }).click();
    await ines.waitForFunction(() => [...document.querySelectorAll('textarea.doc-text')].some((a) => a.value.includes('avec la CAF')), null, { timeout: 20_000 });

    const agree = missionSection(sophie).getByRole('button', { name: `J’approuve au nom de ${CAF}` });
    await sophie.waitForFunction(() => {
      const b = [...document.querySelectorAll('button.agree')][0];
      return b && !b.disabled;
    }, null, { timeout: 20_000 });
    await agree.click();
    await missionSection(sophie).getByText(`Approuvée par ${CAF} le`).waitFor();
    assert.equal(await missionSection(sophie).locator('.agreement-state').getAttribute('data-state'), 'current');
    await shot(sophie, '05-mission-agreed');

    // The initiator changes the mission: the agreement is no longer current, for both.
    await mission(ines).fill('Cofinancer l’animateur à temps plein pendant deux ans.');
    if (!liveOn) await missionSection(ines).getByRole('button', { name: 'Enregistrer' }).click();
    await missionSection(sophie).getByText('plus à jour').waitFor({ timeout: 20_000 });
    await missionSection(ines).getByText('plus à jour').waitFor({ timeout: 20_000 });
    await shot(sophie, '06-agreement-stale');
  });

  test('live: presence and edits are seen at once', async (t) => {
    if (!liveOn) {
      t.skip('/ws/projects/{id} answers 404 on this server: live co-editing is not merged yet');
      return;
    }
    await ines.locator('#conn[data-state="connected"]').waitFor({ timeout: 15_000 });
    await sophie.locator('#conn[data-state="connected"]').waitFor({ timeout: 15_000 });
    await sophie.getByRole('textbox', { name: 'Présentation du projet' }).focus();
    await ines.locator('.presence').getByText('Présentation du projet').waitFor({ timeout: 10_000 });
    const area = ines.getByRole('textbox', { name: 'Présentation du projet' });
    await area.focus();
    await ines.keyboard.press('End');
    await ines.keyboard.type(' Ouverture en septembre.');
    await sophie.waitForFunction(() => [...document.querySelectorAll('textarea.doc-text')].some((a) => a.value.includes('Ouverture en septembre.')), null, { timeout: 5000 });
    await shot(ines, '07-live-presence');
  });

  test('the sheet opens printable and the language switches to English', async () => {
    const href = await ines.getByRole('link', { name: 'Fiche partenariale (imprimable)' }).getAttribute('href');
    assert.match(href, /\/api\/projects\/[0-9a-f-]+\/sheet\?format=html/);
    const sheet = await ines.context().newPage();
    await sheet.goto(new URL(href, stack.base).toString());
    assert.ok((await sheet.content()).includes(CAF));
    assert.equal(await sheet.evaluate(() => window.__pwned), undefined);
    await shot(sheet, '08-sheet');
    await sheet.close();

    await ines.getByRole('button', { name: 'EN', exact: true }).click();
    await ines.getByRole('heading', { name: 'Partners' }).waitFor();
    assert.equal(await ines.evaluate(() => document.documentElement.lang), 'en');
    await ines.getByRole('button', { name: 'FR', exact: true }).click();
    await ines.getByRole('heading', { name: 'Partenaires' }).waitFor();
  });

  test('works at phone width (360 px)', async () => {
    await sophie.setViewportSize({ width: 360, height: 780 });
    await sophie.reload();
    await sophie.getByRole('heading', { name: 'Partenaires' }).waitFor();
    const overflow = await sophie.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `horizontal overflow of ${overflow}px at 360px`);
    await shot(sophie, '09-phone');
    await sophie.setViewportSize({ width: 1100, height: 900 });
  });
});

describe('meetings, gate, convocation', { concurrency: false }, () => {
  let meetingUrl;

  test('meetings API present?', async (t) => {
    const status = await ines.evaluate(async (url) => {
      const id = url.split('/').pop();
      const r = await fetch(`/api/projects/${id}/meetings`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      return r.status;
    }, projectUrl);
    meetingsOn = status !== 404;
    if (!meetingsOn) t.skip('/api/projects/{id}/meetings answers 404: meetings are not merged yet, their steps are skipped');
  });

  test('the initiator creates a meeting and proposes slots', async (t) => {
    if (!meetingsOn) return t.skip('meetings API not on this server (404)');
    await ines.goto(projectUrl);
    await ines.getByLabel('Titre de la réunion').fill('Comité de lancement');
    await ines.getByLabel('Durée (minutes)').fill('90');
    await ines.getByRole('button', { name: 'Créer la réunion' }).click();
    await ines.getByRole('heading', { level: 1, name: 'Comité de lancement' }).waitFor();
    meetingUrl = ines.url();
    const next = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
    for (const time of ['10:00', '14:00']) {
      await ines.getByLabel('Date', { exact: true }).fill(next);
      await ines.getByLabel(/Heure de début/).fill(time);
      await ines.getByRole('button', { name: 'Ajouter le créneau' }).click();
      await ines.getByText('Créneau ajouté.').waitFor();
    }
    await ines.locator('table.poll-grid tbody tr').nth(1).waitFor();
  });

  test('both answer the poll; the gate blocks; the agenda is co-edited and agreed', async (t) => {
    if (!meetingsOn) return t.skip('meetings API not on this server (404)');
    await sophie.goto(meetingUrl);
    for (const page of [ines, sophie]) {
      await page.locator('table.poll-grid tbody tr').first().getByLabel('Oui').check();
      await page.getByRole('button', { name: 'Enregistrer mes disponibilités' }).click();
      await page.getByText('Disponibilités enregistrées.').waitFor();
    }
    // The gate blocks: nothing can be sent yet.
    await ines.locator('.checklist li.unmet').first().waitFor();
    assert.equal(await ines.getByRole('button', { name: 'Envoyer la convocation' }).isDisabled(), true);
    await ines.getByText(`${CAF} n’a pas encore approuvé sa mission.`).waitFor({ timeout: 15_000 });
    await shot(ines, '10-gate-blocked');

    await ines.getByRole('button', { name: 'Ajouter un point' }).click();
    await ines.getByLabel('Intitulé').first().fill('Tour de table <script>window.__pwned = 2</script>');
    await ines.getByRole('button', { name: 'Ajouter un point' }).click();
    await ines.getByLabel('Intitulé').nth(1).fill('Budget');
    if (!liveOn) await ines.getByRole('button', { name: 'Enregistrer l’ordre du jour' }).click();
    await sophie.waitForFunction(() => [...document.querySelectorAll('input.agenda-title')].some((i) => i.value === 'Budget'), null, { timeout: 20_000 });
    await sophie.getByRole('button', { name: 'Monter le point 2' }).click();
    if (!liveOn) await sophie.getByRole('button', { name: 'Enregistrer l’ordre du jour' }).click();
    await ines.waitForFunction(() => document.querySelector('input.agenda-title')?.value === 'Budget', null, { timeout: 20_000 });
    assert.equal(await ines.evaluate(() => window.__pwned), undefined);
    await shot(ines, '11-agenda');
  });

  test('missions and agenda agreed, slot chosen, concertation recorded, convocation sent by email', async (t) => {
    if (!meetingsOn) return t.skip('meetings API not on this server (404)');
    // The CAF agrees to its (changed) mission again; the MJC agrees to its own.
    for (const [page, org] of [[sophie, CAF], [ines, MJC]]) {
      await page.goto(projectUrl);
      const button = page.getByRole('button', { name: `J’approuve au nom de ${org}` });
      await page.waitForFunction((name) => [...document.querySelectorAll('button.agree')].some((b) => b.textContent.includes(name) && !b.disabled), org, { timeout: 20_000 });
      await button.click();
      await page.getByText('Approbation enregistrée pour la version affichée.').waitFor();
      await page.goto(meetingUrl);
      const agreeAgenda = page.getByRole('button', { name: `J’approuve l’ordre du jour au nom de ${org}` });
      await page.waitForFunction(() => [...document.querySelectorAll('button.agree')].some((b) => !b.disabled), null, { timeout: 20_000 });
      await agreeAgenda.click();
      await page.getByText('Ordre du jour approuvé pour la version affichée.').waitFor();
    }
    await ines.getByRole('button', { name: 'Retenir ce créneau' }).first().click();
    await ines.getByText('Créneau retenu.').waitFor();
    const record = ines.getByRole('button', { name: 'Enregistrer la concertation' });
    await ines.waitForFunction(() => [...document.querySelectorAll('button')].some((b) => b.textContent === 'Enregistrer la concertation' && !b.disabled), null, { timeout: 20_000 });
    await ines.getByLabel('Résumé de la concertation').fill('Missions et ordre du jour approuvés par la MJC et la CAF.');
    await record.click();
    await ines.getByRole('dialog').getByRole('button', { name: 'Enregistrer la concertation' }).click();
    await ines.getByText('Concertation enregistrée.').waitFor();
    await ines.waitForFunction(() => [...document.querySelectorAll('button')].some((b) => b.textContent === 'Envoyer la convocation' && !b.disabled), null, { timeout: 20_000 });
    await ines.getByText('Tout est prêt').waitFor();
    const before = readMail(stack.maildir).length;
    await ines.getByRole('button', { name: 'Envoyer la convocation' }).click();
    const dialog = ines.getByRole('dialog');
    await dialog.getByText(CAF).waitFor();
    await shot(ines, '12-convocation-confirm');
    await dialog.getByRole('button', { name: 'Envoyer la convocation' }).click();
    await ines.locator('#meeting-status', { hasText: 'Convoquée' }).waitFor({ timeout: 20_000 });
    await waitForLink(stack.maildir, PARTNER, { after: before, pattern: /BEGIN:VCALENDAR|text\/calendar/ });
    await ines.getByRole('heading', { name: 'Participants et réponses' }).waitFor();
    await shot(ines, '13-convened');
  });
});
