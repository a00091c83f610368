// End to end: two people in two browser contexts, against the real server, a fresh PostgreSQL
// database and a real SMTP server on loopback. Run with `npm run e2e`.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { calendarParts, readMail, repo, startStack, stopStack, waitForLink, waitForMail } from './harness.mjs';

const shots = join(repo, 'test-artifacts', 'screenshots');
mkdirSync(shots, { recursive: true });
for (const name of readdirSync(shots)) if (name.startsWith('failed-')) rmSync(join(shots, name));

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];
// axe-core, run inside the page by the DevTools protocol (the page's CSP does not apply to it).
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The page's serious and critical accessibility violations, as axe-core finds them. */
async function seriousViolations(page) {
  await page.evaluate(AXE_SOURCE);
  const { violations, passes } = await page.evaluate(async () => {
    const result = await window.axe.run(document);
    return { violations: result.violations, passes: result.passes.length };
  });
  // A run that checked nothing would pass anything.
  assert.ok(passes > 10, `axe-core checked only ${passes} rules`);
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

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
let meetingUrl; // the meeting the MJC prepares, then convenes
let convened = false;

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

/** What the Content-Security-Policy blocked in any page of the run (checked at the end). */
const cspViolations = [];
function watchCsp(page, who) {
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(`${who}: ${message.text()}`);
  });
}

/** How far the page overflows the viewport horizontally, in pixels. */
function overflowOf(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

async function newPage(who) {
  const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  watchCsp(page, who);
  page.on('pageerror', (error) => console.error(`# ${who}: page error:`, error.message));
  // API refusals are logged (they explain a failing step).
  page.on('response', async (response) => {
    const url = new URL(response.url());
    if (response.status() < 400 || !url.pathname.startsWith('/api/') || url.pathname === '/api/me') return;
    const body = await response.text().catch(() => '');
    console.log(`# ${who}: HTTP ${response.status()} ${response.request().method()} ${url.pathname}${url.search} ${body.slice(0, 300)}`);
  });
  return page;
}

/** Clicks an agreement button once it is enabled (it waits for the text shown to be saved). */
async function agreeWhenEnabled(page, button) {
  await button.waitFor();
  const handle = await button.elementHandle();
  await page.waitForFunction((b) => !b.disabled, handle, { timeout: 20_000 });
  await button.click();
}

async function logIn(page, email) {
  const before = readMail(stack.maildir).length;
  await page.goto(`${stack.base}/`);
  await page.getByLabel('Adresse e-mail').fill(email);
  await page.getByRole('button', { name: 'Recevoir un lien de connexion' }).click();
  await page.getByText('Consultez votre messagerie').waitFor();
  const link = await waitForLink(stack.maildir, email, { after: before });
  await followLink(page, link);
  await page.getByRole('button', { name: 'Se déconnecter' }).waitFor();
}

/** Opens a login or consultation link: nothing happens until the person clicks "Continuer". */
async function followLink(page, link) {
  await page.goto(new URL(link, stack.base).toString());
  await page.getByRole('heading', { level: 1, name: 'Se connecter à Amont' }).waitFor();
  // Opening the page used nothing: a link scanner fetching it leaves the link intact.
  assert.equal(new URL(page.url()).search, '', 'the token is taken out of the address bar');
  await page.getByRole('button', { name: 'Continuer' }).click();
}

/** A test step that, when it fails, screenshots both people's pages (failed-*.png). */
function step(name, fn) {
  return test(name, async (t) => {
    try {
      return await fn(t);
    } catch (error) {
      const slug = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40);
      for (const [who, page] of [
        ['ines', ines],
        ['sophie', sophie],
      ]) {
        if (page && !page.isClosed()) await page.screenshot({ path: join(shots, `failed-${slug}-${who}.png`), fullPage: true }).catch(() => undefined);
      }
      throw error;
    }
  });
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
  step('the initiator logs in by magic link', async () => {
    ines = await newPage('ines');
    await ines.goto(`${stack.base}/`);
    await ines.getByRole('heading', { level: 1, name: 'Connexion' }).waitFor();
    await shot(ines, '01-login');
    await logIn(ines, INITIATOR);
  });

  step('creates an organization, then a project whose title is shown as text', async () => {
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
  });

  step('invites a partner, who receives a consultation', async () => {
    await ines.getByLabel('Nom de l’organisation').fill(CAF);
    await ines.getByLabel('E-mail du contact').fill(PARTNER);
    await ines.getByLabel('Rôle proposé').fill('Cofinancement');
    await ines.getByRole('button', { name: 'Envoyer la consultation' }).click();
    await ines.getByText(`Consultation envoyée à ${PARTNER}`).waitFor();
    await ines.locator('.partner', { hasText: CAF }).getByText('Consulté, sans réponse').waitFor();
    // The page is drawn again with the new partner's mission, where the person was: the
    // confirmation stays, the focus stays on the button, the page does not jump to the top.
    await ines.locator('[data-section^="mission:"]', { hasText: CAF }).waitFor();
    await ines.waitForTimeout(600);
    assert.ok(await ines.getByText(`Consultation envoyée à ${PARTNER}`).isVisible(), 'the confirmation is still shown');
    assert.equal(await ines.evaluate(() => document.activeElement?.textContent), 'Envoyer la consultation');
    const inView = await ines.evaluate(() => {
      const box = document.activeElement.getBoundingClientRect();
      return box.top >= 0 && box.bottom <= window.innerHeight && window.scrollY > 0;
    });
    assert.ok(inView, 'the page stays where the person acted (the button is still in view)');
    await shot(ines, '03-project-initiator');
  });

  step('the partner follows the consultation link and accepts', async () => {
    sophie = await newPage('sophie');
    const link = await waitForLink(stack.maildir, PARTNER);
    assert.match(link, /project=/);
    await followLink(sophie, link);
    const panel = sophie.getByRole('region', { name: 'Vous êtes consulté·e' });
    await panel.waitFor();
    assert.equal(sophie.url(), projectUrl);
    await shot(sophie, '04-consulted');
    // New here: asked her name, which partners will see instead of "sophie".
    const ask = sophie.getByRole('form', { name: 'Comment vous appelez-vous ?' });
    await ask.getByLabel('Prénom et nom').fill('Sophie Bernard');
    await ask.getByRole('button', { name: 'Enregistrer' }).click();
    await sophie.getByText('Merci, Sophie Bernard.').waitFor();
    assert.equal(await sophie.getByRole('form', { name: 'Comment vous appelez-vous ?' }).count(), 0);
    await panel.getByLabel('Commentaire pour les partenaires').fill('Avec plaisir, sous réserve du budget 2027.');
    await panel.getByRole('button', { name: `Accepter au nom de ${CAF}` }).click();
    await sophie.locator('.partner', { hasText: CAF }).getByText('A accepté').waitFor();
    assert.equal(await sophie.getByRole('region', { name: 'Vous êtes consulté·e' }).count(), 0);
    // The initiator sees the answer without reloading.
    await ines.locator('.partner', { hasText: CAF }).getByText('A accepté').waitFor({ timeout: 15_000 });
  });

  step('both edit the brief and the mission; the partner agrees; a change makes it stale', async () => {
    await ines.reload();
    const brief = (page) => page.getByRole('textbox', { name: 'Présentation du projet' });
    const mission = (page) => page.getByRole('textbox', { name: `Mission de ${CAF}` });
    const missionSection = (page) => page.locator(`[data-section^="mission:"]`, { hasText: `Mission de ${CAF}` });
    await brief(ines).waitFor();
    await mission(ines).waitFor();
    await ines.waitForFunction(() => !document.querySelector('.doc-text[disabled]'));
    await brief(ines).fill('Ouvrir un accueil jeunes le mercredi et le samedi.');
    await mission(ines).fill('Cofinancer l’animateur à mi-temps pendant deux ans.');
    // The partner sees both texts at once.
    await sophie.waitForFunction(
      () => {
        const areas = [...document.querySelectorAll('textarea.doc-text')];
        return areas.some((a) => a.value.includes('mercredi')) && areas.some((a) => a.value.includes('mi-temps'));
      },
      null,
      { timeout: 20_000 },
    );
    // The partner adds to the brief too.
    await brief(sophie).fill('Ouvrir un accueil jeunes le mercredi et le samedi, avec la CAF.');
    await ines.waitForFunction(() => [...document.querySelectorAll('textarea.doc-text')].some((a) => a.value.includes('avec la CAF')), null, {
      timeout: 20_000,
    });

    // The partner's home page says what waits for her, and leads there in one click.
    await sophie.goto(new URL('/', projectUrl).toString());
    const todo = sophie.getByRole('region', { name: 'À faire' });
    await todo.getByRole('link', { name: `Approuver la mission de ${CAF}` }).click();
    await sophie.getByRole('heading', { level: 1, name: /Accueil jeunes/ }).waitFor();
    await mission(sophie).waitFor();

    const agree = missionSection(sophie).getByRole('button', { name: `J’approuve au nom de ${CAF}` });
    await sophie.waitForFunction(
      () => {
        const b = [...document.querySelectorAll('button.agree')][0];
        return b && !b.disabled;
      },
      null,
      { timeout: 20_000 },
    );
    await agree.click();
    await missionSection(sophie).getByText(`Approuvée par ${CAF} le`).waitFor();
    assert.equal(await missionSection(sophie).locator('.agreement-state').getAttribute('data-state'), 'current');
    await shot(sophie, '05-mission-agreed');
    // Done: it leaves the list.
    await sophie.goto(new URL('/', projectUrl).toString());
    await sophie.getByRole('region', { name: 'À faire' }).getByText('Rien ne vous attend pour l’instant.').waitFor();
    await shot(sophie, '05a-todo-done');
    await sophie.goBack();
    await mission(sophie).waitFor();

    // The initiator changes the mission: the agreement is no longer current, for both.
    await mission(ines).fill('Cofinancer l’animateur à temps plein pendant deux ans.');
    await missionSection(sophie).getByText('plus à jour').waitFor({ timeout: 20_000 });
    await missionSection(ines).getByText('plus à jour').waitFor({ timeout: 20_000 });
    await shot(sophie, '06-agreement-stale');
  });

  step('live: presence and edits are seen at once', async () => {
    await ines.locator('#conn[data-state="connected"]').waitFor({ timeout: 15_000 });
    await sophie.locator('#conn[data-state="connected"]').waitFor({ timeout: 15_000 });
    await sophie.getByRole('textbox', { name: 'Présentation du projet' }).focus();
    await ines.locator('.presence').getByText('Présentation du projet').waitFor({ timeout: 10_000 });
    await ines.locator('.presence').getByText('Sophie Bernard').waitFor();
    const area = ines.getByRole('textbox', { name: 'Présentation du projet' });
    await area.focus();
    await ines.keyboard.press('End');
    await ines.keyboard.type(' Ouverture en septembre.');
    await sophie.waitForFunction(() => [...document.querySelectorAll('textarea.doc-text')].some((a) => a.value.includes('Ouverture en septembre.')), null, {
      timeout: 5000,
    });
    await shot(ines, '07-live-presence');
  });

  step('the sheet opens printable and the language switches to English', async () => {
    const href = await ines.getByRole('link', { name: 'Fiche partenariale (imprimable)' }).getAttribute('href');
    assert.match(href, /\/api\/projects\/[0-9a-f-]+\/sheet\?format=html/);
    const sheet = await ines.context().newPage();
    await sheet.goto(new URL(href, stack.base).toString());
    assert.ok((await sheet.content()).includes(CAF));
    assert.equal(await sheet.evaluate(() => window.__pwned), undefined);
    await shot(sheet, '08-sheet');
    // Its content in a main landmark, nothing serious for axe-core, and a way back to the project.
    await sheet.getByRole('main').getByRole('heading', { level: 1 }).waitFor();
    assert.deepEqual(await seriousViolations(sheet), []);
    await sheet.setViewportSize({ width: 360, height: 780 });
    assert.ok((await overflowOf(sheet)) <= 1, 'the sheet fits 360 px');
    await shot(sheet, '08a-sheet-phone');
    await sheet.getByRole('link', { name: 'Retour au projet' }).click();
    await sheet.getByRole('heading', { level: 1, name: /Accueil jeunes/ }).waitFor();
    assert.equal(sheet.url(), projectUrl);
    await sheet.close();

    await ines.getByRole('button', { name: 'EN', exact: true }).click();
    await ines.getByRole('heading', { name: 'Partners' }).waitFor();
    assert.equal(await ines.evaluate(() => document.documentElement.lang), 'en');
    await ines.getByRole('button', { name: 'FR', exact: true }).click();
    await ines.getByRole('heading', { name: 'Partenaires' }).waitFor();
  });

  step('works at phone width (360 px)', async () => {
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
  let pollMailsFrom = 0; // the partner's poll email comes after the slots are proposed
  step('the initiator creates a meeting and proposes slots', async () => {
    // Only the initiator's members prepare meetings.
    await sophie.goto(projectUrl);
    await sophie.getByRole('heading', { name: 'Réunions' }).waitFor();
    assert.equal(await sophie.getByRole('heading', { name: 'Préparer une réunion' }).count(), 0);
    await ines.goto(projectUrl);
    await ines.getByLabel('Titre de la réunion').fill('Comité de lancement');
    await ines.getByLabel('Durée (minutes)').fill('90');
    await ines.getByRole('button', { name: 'Créer la réunion' }).click();
    await ines.getByRole('heading', { level: 1, name: 'Comité de lancement' }).waitFor();
    meetingUrl = ines.url();

    // Corrected while planning: the server's refusal is shown as it says it, on the field at
    // fault; then the place and the date answers are wanted by are saved, the focus kept.
    const edit = ines.locator('details.edit-meeting');
    await edit.getByText('Modifier la réunion').click();
    await edit.getByLabel('Titre de la réunion').fill('   ');
    await edit.getByRole('button', { name: 'Enregistrer' }).click();
    await edit.getByText('Titre : à remplir.').waitFor();
    assert.equal(await edit.getByLabel('Titre de la réunion').getAttribute('aria-invalid'), 'true');
    assert.equal(await ines.evaluate(() => document.activeElement?.getAttribute('name')), 'title', 'the focus goes to the field at fault');
    await edit.getByLabel('Titre de la réunion').fill('Comité de lancement');
    await edit.getByLabel(/^Lieu/).fill('Salle du conseil, MJC');
    await edit.getByLabel(/^Réponses attendues avant le/).fill(parisDay(15));
    await edit.getByRole('button', { name: 'Enregistrer' }).click();
    await ines.locator('main').getByText('Réunion modifiée.').waitFor();
    await ines.getByText('Lieu : Salle du conseil, MJC').waitFor();
    await ines.getByText(/^Réponses au sondage attendues avant le/).waitFor();
    assert.equal(await ines.evaluate(() => document.activeElement?.textContent), 'Enregistrer', 'the focus stays on the button');
    await shot(ines, '09a-meeting-edited');

    // Several slots in one go: one date, several times; a past one is refused on its own row,
    // the others are added, and the refused row keeps what was typed until it is corrected.
    pollMailsFrom = readMail(stack.maildir).length;
    const next = parisDay(20);
    const rows = ines.locator('.slot-row');
    await rows.nth(0).getByLabel('Date', { exact: true }).fill(next);
    await rows
      .nth(0)
      .getByLabel(/Heure de début/)
      .fill('10:00');
    await ines.getByRole('button', { name: 'Ajouter un autre créneau' }).click();
    assert.equal(await rows.nth(1).getByLabel('Date', { exact: true }).inputValue(), next, 'a new row takes the date above');
    assert.equal(
      await rows
        .nth(1)
        .getByLabel(/Heure de début/)
        .inputValue(),
      '11:30',
      'and the time a meeting later',
    );
    await rows
      .nth(1)
      .getByLabel(/Heure de début/)
      .fill('14:00');
    await ines.getByRole('button', { name: 'Ajouter un autre créneau' }).click();
    await rows.nth(2).getByLabel('Date', { exact: true }).fill(parisDay(-1));
    await ines.getByRole('button', { name: 'Ajouter les 3 créneaux' }).click();
    await ines.getByText('2 créneaux ajoutés. 1 créneau n’a pas été ajouté').waitFor();
    assert.equal(await rows.count(), 1, 'the refused row stays, alone');
    await rows.nth(0).getByText('Début : la date est passée, choisissez une date à venir.').waitFor();
    assert.equal(await rows.nth(0).getByLabel('Date', { exact: true }).inputValue(), parisDay(-1));
    await shot(ines, '09b-slots-one-refused');
    await rows.nth(0).getByLabel('Date', { exact: true }).fill(next);
    await rows
      .nth(0)
      .getByLabel(/Heure de début/)
      .fill('18:00');
    await ines.getByRole('button', { name: 'Ajouter le créneau' }).click();
    await ines.getByText('1 créneau ajouté.').waitFor();
    await ines.locator('table.poll-grid tbody tr').nth(2).waitFor();
    // A slot added by mistake is removed (after a confirmation).
    await ines
      .locator('table.poll-grid tbody tr')
      .nth(2)
      .getByRole('button', { name: /Retirer le créneau/ })
      .click();
    await ines.getByRole('dialog').getByRole('button', { name: 'Retirer', exact: true }).click();
    await ines.getByText(/Créneau du .* retiré\./).waitFor();
    await ines.waitForFunction(() => document.querySelectorAll('table.poll-grid tbody tr').length === 2);
    // The editing and add-slots forms fit a phone.
    await ines.getByRole('button', { name: 'Ajouter un autre créneau' }).click();
    await ines.setViewportSize({ width: 360, height: 780 });
    assert.ok((await overflowOf(ines)) <= 1, 'the planning meeting page fits 360 px');
    await shot(ines, '09c-meeting-planning-phone');
    await ines.locator('.add-slot').screenshot({ path: join(shots, '09d-add-slots-phone.png') });
    await ines.setViewportSize({ width: 1100, height: 900 });
  });

  step('the partner receives the poll email and follows its link to answer', async () => {
    // The notice reaches her through the real SMTP server, with a direct link to the meeting.
    const mail = await waitForMail(stack.maildir, PARTNER, {
      after: pollMailsFrom,
      words: ['Le sondage de dates de la réunion « Comité de lancement » est ouvert', 'Merci de répondre avant le'],
    });
    const link = /https?:\/\/[^\s"<>]+\/meetings\/[0-9a-f-]{36}/.exec(mail.text)?.[0];
    assert.ok(link, 'a link to the meeting in the poll email');
    assert.equal(new URL(link).pathname, new URL(meetingUrl).pathname);
    await sophie.goto(link);
    await sophie.getByRole('heading', { level: 1, name: 'Comité de lancement' }).waitFor();
    await sophie.locator('table.poll-grid tbody tr').first().getByLabel('Oui').check();
    await sophie.getByRole('button', { name: 'Enregistrer mes disponibilités' }).click();
    await sophie.getByText('Disponibilités enregistrées.').waitFor();
  });

  step('the initiator answers the poll; the gate blocks; a reminder reaches the partner; the agenda is co-edited', async () => {
    await ines.locator('table.poll-grid tbody tr').first().getByLabel('Oui').check();
    await ines.getByRole('button', { name: 'Enregistrer mes disponibilités' }).click();
    await ines.getByText('Disponibilités enregistrées.').waitFor();
    // Everyone's answers by name; every partner answered.
    await ines.getByRole('table', { name: 'Les réponses de chacun' }).getByRole('rowheader', { name: 'Sophie Bernard' }).waitFor({ timeout: 15_000 });
    await ines.getByText('Chaque partenaire a répondu.').waitFor({ timeout: 15_000 });
    // The gate blocks: nothing can be sent yet.
    await ines.locator('.checklist li.unmet').first().waitFor();
    assert.equal(await ines.getByRole('button', { name: 'Envoyer la convocation' }).isDisabled(), true);
    await ines.getByText(`${CAF} n’a pas encore approuvé sa mission.`).waitFor({ timeout: 15_000 });
    await shot(ines, '10-gate-blocked');

    // "Relancer" on the partner's gate line: the reminder reaches her mailbox, naming what she owes.
    const remindersFrom = readMail(stack.maildir).length;
    const remind = ines.getByRole('button', { name: `Relancer ${CAF}` });
    await remind.click();
    await ines.locator('main').getByText(`${CAF} a été relancé.`).waitFor();
    await ines.getByText(/Déjà relancé aujourd’hui/).waitFor();
    assert.equal(await remind.isDisabled(), true, 'once a day per partner');
    await shot(ines, '10a-gate-reminded');
    const reminder = await waitForMail(stack.maildir, PARTNER, {
      after: remindersFrom,
      words: ['Rappel pour la réunion « Comité de lancement »', 'donner votre accord sur votre mission'],
    });
    assert.match(reminder.text, /https?:\/\/[^\s"<>]+\/meetings\/[0-9a-f-]{36}/, 'the reminder leads to the meeting');

    await ines.getByRole('button', { name: 'Ajouter un point' }).click();
    await ines.getByLabel('Intitulé').first().fill('Tour de table <script>window.__pwned = 2</script>');
    await ines.getByRole('button', { name: 'Ajouter un point' }).click();
    await ines.getByLabel('Intitulé').nth(1).fill('Budget');
    await sophie.waitForFunction(() => [...document.querySelectorAll('input.agenda-title')].some((i) => i.value === 'Budget'), null, { timeout: 20_000 });
    await sophie.getByRole('button', { name: 'Monter le point 2' }).click();
    await ines.waitForFunction(() => document.querySelector('input.agenda-title')?.value === 'Budget', null, { timeout: 20_000 });
    assert.equal(await ines.evaluate(() => window.__pwned), undefined);
    // Removing an item asks first, and can be undone (for everyone: the partner sees it come back).
    await sophie.getByRole('button', { name: 'Supprimer le point 1' }).click();
    await sophie.getByRole('dialog').getByRole('button', { name: 'Supprimer', exact: true }).click();
    await ines.waitForFunction(() => document.querySelectorAll('input.agenda-title').length === 1, null, { timeout: 20_000 });
    await sophie.getByText('« Budget » a été supprimé.').waitFor();
    await sophie.getByRole('button', { name: 'Annuler la suppression' }).click();
    await ines.waitForFunction(() => document.querySelector('input.agenda-title')?.value === 'Budget', null, { timeout: 20_000 });
    assert.equal(await ines.locator('input.agenda-title').count(), 2);
    await shot(ines, '11-agenda');
  });

  step('missions agreed; the agenda agreement goes stale on a change and is given again', async () => {
    const missionSection = (page, org) => page.locator(`[data-section^="mission:"]`, { hasText: `Mission de ${org}` });
    // The CAF agrees to its (changed) mission again.
    await sophie.goto(projectUrl);
    await agreeWhenEnabled(sophie, missionSection(sophie, CAF).getByRole('button', { name: `J’approuve au nom de ${CAF}` }));
    await missionSection(sophie, CAF).getByText('Approbation enregistrée pour la version affichée.').waitFor();
    // The MJC writes its own mission (an empty text cannot be agreed to), then agrees.
    await ines.goto(projectUrl);
    const mjcMission = missionSection(ines, MJC);
    await mjcMission.getByRole('textbox').waitFor();
    await ines.waitForFunction(() => !document.querySelector('.doc-text[disabled]'));
    assert.equal(await mjcMission.getByRole('button', { name: `J’approuve au nom de ${MJC}` }).isDisabled(), true);
    await mjcMission.getByRole('textbox').fill('Accueillir les jeunes et coordonner le projet.');
    await agreeWhenEnabled(ines, mjcMission.getByRole('button', { name: `J’approuve au nom de ${MJC}` }));
    await mjcMission.getByText('Approbation enregistrée pour la version affichée.').waitFor();

    // The CAF agrees to the agenda; each partner's state is shown to both.
    await sophie.goto(meetingUrl);
    await agreeWhenEnabled(sophie, sophie.getByRole('button', { name: `J’approuve l’ordre du jour au nom de ${CAF}` }));
    await sophie.locator('main').getByText('Ordre du jour approuvé pour la version affichée.').waitFor();
    await ines.goto(meetingUrl);
    const cafLine = (page) => page.locator('.agreements li', { hasText: CAF });
    await cafLine(ines).getByText('approuvé le').waitFor({ timeout: 20_000 });
    assert.equal(await cafLine(ines).getAttribute('data-state'), 'current');
    assert.equal(await ines.locator('.agreements li', { hasText: MJC }).getAttribute('data-state'), 'none');
    // The MJC changes the agenda: the CAF's agreement is no longer current, for both.
    await ines.waitForFunction(() => document.querySelectorAll('input.agenda-title').length === 2);
    await ines.getByLabel('Durée (min)').nth(1).fill('20');
    await ines.getByLabel('Durée (min)').nth(1).press('Tab');
    await cafLine(ines).getByText('plus à jour').waitFor({ timeout: 20_000 });
    await cafLine(sophie).getByText('plus à jour').waitFor({ timeout: 20_000 });
    assert.equal(await cafLine(sophie).getAttribute('data-state'), 'stale');
    await ines.getByText(`${CAF} n’a pas encore approuvé l’ordre du jour.`).waitFor({ timeout: 15_000 });
    await shot(sophie, '12-agenda-agreement-stale');
    // Both agree to the agenda as it is now. The CAF's agreement reaches the initiator's open
    // page as a server event (no polling): how long it takes is reported, not asserted.
    for (const [page, org] of [
      [sophie, CAF],
      [ines, MJC],
    ]) {
      const clicked = Date.now();
      await agreeWhenEnabled(page, page.getByRole('button', { name: `J’approuve l’ordre du jour au nom de ${org}` }));
      await page.locator('.agreements li', { hasText: org }).and(page.locator('[data-state="current"]')).waitFor({ timeout: 20_000 });
      if (page === sophie) {
        await ines.getByText(`${CAF} n’a pas encore approuvé l’ordre du jour.`).waitFor({ state: 'detached', timeout: 20_000 });
        console.log(`# the partner's agreement reached the initiator's checklist in ${Date.now() - clicked} ms`);
      }
    }
  });

  step('an idle meeting page asks the server nothing: changes come as server events', async () => {
    await ines.goto(meetingUrl);
    await ines.locator('.agreements li', { hasText: CAF }).waitFor();
    await ines.waitForTimeout(1500); // what the page loads
    const asked = [];
    const count = (request) => {
      if (new URL(request.url()).pathname.startsWith('/api/')) asked.push(request.url());
    };
    ines.on('request', count);
    await ines.waitForTimeout(15_000);
    ines.off('request', count);
    console.log(`# an idle meeting page made ${asked.length} API requests in 15 s (${asked.length * 4} a minute)`);
    assert.deepEqual(asked, [], 'no polling');
    // The stream is open, and a change elsewhere makes the page read again.
    const read = ines.waitForRequest((r) => new URL(r.url()).pathname.endsWith('/readiness'), { timeout: 10_000 });
    const answered = await sophie.evaluate(async (url) => {
      const id = new URL(url).pathname.split('/').pop();
      const poll = await (await fetch(`/api/meetings/${id}/poll`)).json();
      const answers = Object.fromEntries(poll.slots.map((slot) => [slot.id, 'yes']));
      return (
        await fetch(`/api/meetings/${id}/availability`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ answers }) })
      ).status;
    }, meetingUrl);
    assert.equal(answered, 200);
    await read;
  });

  step('the suggested slot is chosen, the concertation recorded, the convocation sent by email', async () => {
    const suggested = ines.locator('table.poll-grid tbody tr[data-suggested="true"]');
    await suggested.getByRole('button', { name: 'Retenir ce créneau' }).click();
    await ines.getByText('Créneau retenu.').waitFor();
    await suggested.getByText('Créneau retenu', { exact: true }).waitFor();
    const record = ines.getByRole('button', { name: 'Enregistrer la concertation' });
    await ines.waitForFunction(
      () => [...document.querySelectorAll('button')].some((b) => b.textContent === 'Enregistrer la concertation' && !b.disabled),
      null,
      { timeout: 20_000 },
    );
    await ines.getByLabel('Résumé de la concertation').fill('Missions et ordre du jour approuvés par la MJC et la CAF.');
    await record.click();
    await ines.getByRole('dialog').getByRole('button', { name: 'Enregistrer la concertation' }).click();
    await ines.locator('main').getByText('Concertation enregistrée.').waitFor();
    await ines.waitForFunction(() => [...document.querySelectorAll('button')].some((b) => b.textContent === 'Envoyer la convocation' && !b.disabled), null, {
      timeout: 20_000,
    });
    await ines.getByText('Tout est prêt').waitFor();
    // The partner sees the same checklist, but no button to convene.
    await sophie.reload();
    await sophie.getByText('Tout est prêt').waitFor({ timeout: 15_000 });
    assert.equal(await sophie.getByRole('button', { name: 'Envoyer la convocation' }).count(), 0);
    await shot(ines, '13-gate-ready');
    const before = readMail(stack.maildir).length;
    await ines.getByRole('button', { name: 'Envoyer la convocation' }).click();
    const dialog = ines.getByRole('dialog');
    await dialog.getByText(CAF).waitFor();
    await dialog.getByText(MJC).waitFor();
    await shot(ines, '14-convocation-confirm');
    await dialog.getByRole('button', { name: 'Envoyer la convocation' }).click();
    await ines.locator('#meeting-status', { hasText: 'Convoquée' }).waitFor({ timeout: 20_000 });
    // The convocation reaches the partner through the real SMTP server, as an iTIP REQUEST.
    await waitForLink(stack.maildir, PARTNER, { after: before, pattern: /text\/calendar/ });
    const invite = readMail(stack.maildir)
      .slice(before)
      .find((m) => m.to.toLowerCase().includes(PARTNER));
    const calendars = calendarParts(invite.raw);
    assert.ok(calendars.length > 0, 'a text/calendar part');
    assert.match(calendars[0], /METHOD:REQUEST/);
    assert.match(calendars[0], /BEGIN:VEVENT/);
    await ines.getByRole('heading', { name: 'Participants et réponses' }).waitFor();
    await ines.locator('.attendees li', { hasText: 'Sophie Bernard' }).waitFor({ timeout: 15_000 });
    // The poll is closed once convened.
    assert.equal(await ines.getByRole('button', { name: 'Enregistrer mes disponibilités' }).count(), 0);
    await shot(ines, '15-convened');
    convened = true;
  });

  step('an RSVP link only shows the answer; its button records it; the partner answers in the app too', async () => {
    assert.ok(convened, 'needs the convened meeting of the previous steps');
    const invite = readMail(stack.maildir).find((m) => m.to.toLowerCase().includes(PARTNER) && /text\/calendar/i.test(m.raw));
    const link = /https?:\/\/[^\s"<>]+\/rsvp\/[0-9a-f]{64}\?answer=tentative/.exec(invite.text)?.[0];
    assert.ok(link, 'a "maybe" link in the convocation');
    const partnerRow = () => ines.locator('.attendees li', { hasText: 'Sophie Bernard' });
    // Opened in a browser without any session (as a mail scanner would): the page, nothing recorded.
    const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    watchCsp(page, 'rsvp link');
    await page.goto(link);
    await page.getByRole('heading', { level: 1, name: 'Comité de lancement' }).waitFor();
    assert.equal(await page.getByLabel('Peut-être').isChecked(), true, 'the answer of the link is preselected');
    await page.getByText('Vous n’avez pas encore répondu.').waitFor();
    await shot(page, '15a-rsvp-link');
    await ines.reload();
    await partnerRow().waitFor();
    assert.match(await partnerRow().textContent(), /Pas encore répondu/, 'opening the link changed nothing');
    // The button records it (no JavaScript on that page).
    await page.getByRole('button', { name: 'Envoyer ma réponse' }).click();
    await page.getByText(/Réponse enregistrée : Peut-être/).waitFor();
    await page.setViewportSize({ width: 360, height: 780 });
    assert.ok((await overflowOf(page)) <= 1, 'the RSVP page fits 360 px');
    await shot(page, '15b-rsvp-recorded-phone');
    // A way back to the app: the meeting, once signed in.
    await page.getByRole('link', { name: 'Ouvrir la réunion dans Amont' }).click();
    await page.getByRole('heading', { level: 1, name: 'Connexion' }).waitFor();
    await context.close();
    await ines.reload();
    await partnerRow().filter({ hasText: 'Peut-être' }).waitFor({ timeout: 15_000 });
    // The organizer chairs: nothing to answer. The partner changes their mind in the app.
    assert.equal(await ines.locator('section.rsvp').count(), 0);
    await sophie.goto(meetingUrl);
    const rsvp = sophie.locator('section.rsvp');
    await rsvp.getByText(/Votre réponse actuelle.*Peut-être/).waitFor({ timeout: 15_000 });
    await rsvp.getByLabel('Je viendrai').check();
    await rsvp.getByRole('button', { name: 'Envoyer ma réponse' }).click();
    await rsvp.getByText(/Votre réponse actuelle.*Je viendrai/).waitFor();
    await shot(sophie, '15c-rsvp-in-app');
    await sophie.setViewportSize({ width: 360, height: 780 });
    assert.ok((await overflowOf(sophie)) <= 1, 'the meeting page fits 360 px');
    await rsvp.scrollIntoViewIfNeeded();
    await shot(sophie, '15d-rsvp-in-app-phone');
    await sophie.setViewportSize({ width: 1100, height: 900 });
    await ines.reload();
    await partnerRow().filter({ hasText: 'Accepte' }).waitFor({ timeout: 15_000 });
  });
});

describe('the agenda after the convocation', { concurrency: false }, () => {
  const ADDED = 'Calendrier d’ouverture';

  step('an edit is shown as changed since the convocation, agreed again, and sent as an update carrying it', async () => {
    assert.ok(convened, 'needs the convened meeting of the previous steps');
    await ines.goto(meetingUrl);
    await ines.waitForFunction(() => document.querySelectorAll('input.agenda-title').length === 2, null, { timeout: 20_000 });
    assert.equal(await ines.locator('.changed-since-convocation').count(), 0, 'nothing changed yet');
    await ines.getByRole('button', { name: 'Ajouter un point' }).click();
    await ines.getByLabel('Intitulé').nth(2).fill(ADDED);
    // Shown to both as changed, with the agenda as it was sent; nothing goes out yet.
    for (const page of [ines, sophie]) {
      if (page === sophie) await sophie.goto(meetingUrl);
      await page.locator('.changed-since-convocation').waitFor({ timeout: 20_000 });
      await page.locator('.agenda-update-state', { hasText: 'En attente de' }).waitFor({ timeout: 20_000 });
    }
    const send = ines.getByRole('button', { name: 'Envoyer le nouvel ordre du jour aux participants' });
    assert.equal(await send.isDisabled(), true, 'the convened partners agree first');
    await ines.locator('details.agenda-as-sent summary').click();
    assert.equal(await ines.locator('details.agenda-as-sent li', { hasText: ADDED }).count(), 0, 'the agenda as sent is the old one');
    await shot(ines, '15e-agenda-changed-since-convocation');
    // Each convened partner agrees to the new agenda, then the update is sent.
    for (const [page, org] of [
      [sophie, CAF],
      [ines, MJC],
    ]) {
      await agreeWhenEnabled(page, page.getByRole('button', { name: `J’approuve l’ordre du jour au nom de ${org}` }));
      await page.locator('.agreements li', { hasText: org }).and(page.locator('[data-state="current"]')).waitFor({ timeout: 20_000 });
    }
    await ines.getByText('Tous les partenaires convoqués ont approuvé le nouvel ordre du jour.').waitFor({ timeout: 20_000 });
    const before = readMail(stack.maildir).length;
    await send.click();
    await ines.getByRole('dialog').getByRole('button', { name: 'Envoyer le nouvel ordre du jour aux participants' }).click();
    await ines.locator('main').getByText('Nouvel ordre du jour envoyé aux participants.').waitFor();
    await ines.locator('.changed-since-convocation').waitFor({ state: 'detached', timeout: 20_000 });
    // The update reaches the partner: the same event, a higher SEQUENCE, the new agenda in it.
    const update = await waitForMail(stack.maildir, PARTNER, { after: before, words: [ADDED, 'Budget'] });
    const calendars = calendarParts(update.raw);
    assert.ok(calendars.length > 0, 'a text/calendar part');
    assert.match(calendars[0], /METHOD:REQUEST/);
    assert.match(calendars[0], /SEQUENCE:[1-9]/);
    await shot(ines, '15f-agenda-update-sent');
  });
});

/** A calendar day in Paris, `days` from today (due dates are Paris days). */
function parisDay(days) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(Date.now() + days * 86_400_000),
  );
}

describe('decisions and follow-up', { concurrency: false }, () => {
  const DECISION = 'Ouvrir l’accueil jeunes en septembre';
  const LATE = 'Chiffrer le poste d’animateur';
  const LATER = 'Réserver la salle polyvalente';

  step('the initiator records a decision with positions and two actions', async () => {
    assert.ok(convened, 'needs the convened meeting of the previous steps');
    await ines.goto(meetingUrl);
    await ines.getByRole('tab', { name: 'Décisions' }).click();
    const panel = ines.getByRole('tabpanel', { name: 'Décisions' });
    await panel.getByText('Aucune décision enregistrée pour cette réunion.').waitFor();
    // The meeting has not started: it cannot be marked as held yet.
    assert.equal(await panel.getByRole('button', { name: 'Marquer comme tenue' }).isDisabled(), true);
    await panel.getByText('pourra être marquée comme tenue une fois commencée').waitFor();
    assert.match(ines.url(), /tab=decisions/);

    await panel.getByLabel('Intitulé de la décision').fill(DECISION);
    await panel.getByLabel('Texte de la décision').fill('Ouverture le mercredi et le samedi. <img src=x onerror="window.__pwned=3">');
    await panel.getByLabel('Point de l’ordre du jour').selectOption({ label: 'Budget' });
    await panel.getByLabel('Adoptée').check();
    await panel.getByLabel(`Consentement — ${MJC}`).check();
    await panel.getByText(`Sans position pour l’instant : ${CAF}.`).waitFor();
    await panel.getByLabel(`Objection — ${CAF}`).check();
    await panel.getByLabel(`Consentement — ${CAF}`).check();
    await panel.getByLabel(`Commentaire de ${CAF}`).fill('Sous réserve du vote du budget 2027.');
    const drafts = panel.locator('.action-draft');
    await drafts.nth(0).getByLabel('Action', { exact: true }).fill(LATE);
    await drafts.nth(0).getByLabel('Organisation responsable').selectOption({ label: CAF });
    await drafts.nth(0).getByLabel('Échéance').fill(parisDay(-3));
    await panel.getByRole('button', { name: 'Ajouter une action' }).click();
    await drafts.nth(1).getByLabel('Action', { exact: true }).fill(LATER);
    // An incomplete action is named before anything is sent.
    await panel.getByRole('button', { name: 'Enregistrer la décision' }).click();
    await panel.getByText('Action 2 incomplète').waitFor();
    await drafts.nth(1).getByLabel('Organisation responsable').selectOption({ label: CAF });
    await drafts.nth(1).getByLabel('Échéance').fill(parisDay(30));
    await shot(ines, '16-decision-form');
    await panel.getByRole('button', { name: 'Enregistrer la décision' }).click();
    // The meeting is still to come: recording a decision now is asked for, not refused.
    const confirm = ines.getByRole('dialog', { name: 'Enregistrer quand même ?' });
    await confirm.getByText('La réunion n’a pas encore commencé').waitFor();
    await confirm.getByRole('button', { name: 'Enregistrer la décision' }).click();
    await panel.getByText(`Décision « ${DECISION} » enregistrée avec 2 actions.`).waitFor();
    const card = panel.locator('article.decision', { hasText: DECISION });
    await card.waitFor();
    await card.getByText('Point : Budget').waitFor();
    // Recorded before the meeting started: the decision says so.
    await card.getByText('Enregistrée avant le début de la réunion.').waitFor();
    await card.getByText(`${CAF} : Consentement — « Sous réserve du vote du budget 2027. »`).waitFor();
    assert.equal(await card.locator('.action').first().getAttribute('data-overdue'), 'true');
    await card.locator('.action').first().getByText('En retard de 3 jours').waitFor();
    assert.equal(await ines.evaluate(() => window.__pwned), undefined);
    await shot(ines, '17-decisions-tab');
  });

  step('the partner marks the action done from its own browser', async () => {
    assert.ok(convened, 'needs the convened meeting of the previous steps');
    // Partners read the decision, without the form.
    await sophie.goto(`${meetingUrl}?tab=decisions`);
    await sophie.locator('article.decision', { hasText: DECISION }).waitFor();
    assert.equal(await sophie.getByRole('button', { name: 'Enregistrer la décision' }).count(), 0);
    // "Mes actions" in the header: overdue first, and marked.
    await sophie.getByRole('navigation').getByRole('link', { name: 'Mes actions' }).click();
    await sophie.getByRole('heading', { level: 1, name: 'Les actions de mon organisation' }).waitFor();
    const items = sophie.locator('.my-actions > li');
    await items.nth(1).waitFor();
    assert.equal(await items.nth(0).locator('.action-title').textContent(), LATE);
    assert.equal(await items.nth(0).getAttribute('data-overdue'), 'true');
    await items.nth(0).getByText('En retard', { exact: true }).waitFor();
    await sophie.getByText('2 actions, dont 1 en retard.').waitFor();
    await shot(sophie, '18-my-actions');
    await sophie.getByRole('button', { name: `Marquer comme faite : « ${LATE} »` }).click();
    await sophie.getByText(`Action « ${LATE} » : Faite.`).first().waitFor();
    // It stays in view, done, with a way back.
    const done = sophie.locator('.my-actions > li', { hasText: LATE });
    await done.getByRole('button', { name: `Rouvrir : « ${LATE} »` }).waitFor();
    assert.equal(await done.getAttribute('data-status'), 'done');
    await shot(sophie, '19-my-actions-done');
  });

  step('the register shows it, filters, and downloads as CSV', async () => {
    assert.ok(convened, 'needs the convened meeting of the previous steps');
    await ines.goto(projectUrl);
    await ines.getByRole('link', { name: 'Registre des décisions' }).click();
    await ines.getByRole('heading', { level: 1, name: 'Registre des décisions' }).waitFor();
    await ines.getByText('1 décision').waitFor();
    await ines.locator('article.decision').getByText('Enregistrée avant le début de la réunion.').waitFor();
    const action = ines.locator('article.decision .action', { hasText: LATE });
    await action.and(ines.locator('[data-status="done"]')).waitFor({ timeout: 20_000 });
    await action.getByText('Modifiée par').waitFor();
    // Filters: nothing rejected; a date range around today finds it; the address keeps them.
    await ines.getByLabel('Issue').selectOption({ label: 'Rejetée' });
    await ines.getByRole('button', { name: 'Filtrer' }).click();
    await ines.getByText('Aucune décision ne correspond à ces filtres.').waitFor();
    assert.match(ines.url(), /status=rejected/);
    await ines.getByLabel('Issue').selectOption({ label: 'Adoptée' });
    await ines.getByLabel('Décisions prises à partir du').fill(parisDay(1));
    await ines.getByLabel('Jusqu’au').fill(parisDay(-1));
    await ines.getByRole('button', { name: 'Filtrer' }).click();
    await ines.getByText('La première date doit précéder la seconde.').waitFor();
    await ines.getByLabel('Décisions prises à partir du').fill(parisDay(-1));
    await ines.getByLabel('Jusqu’au').fill(parisDay(1));
    await ines.getByRole('button', { name: 'Filtrer' }).click();
    await ines.getByText('1 décision').waitFor();
    assert.match(ines.url(), /status=adopted&from=/);
    const href = await ines.getByRole('link', { name: 'Télécharger le registre (CSV pour tableur)' }).getAttribute('href');
    assert.match(href, /decisions\.csv\?.*status=adopted.*lang=fr/);
    const csv = await ines.evaluate(async (url) => {
      const r = await fetch(url);
      return { type: r.headers.get('content-type'), bytes: [...new Uint8Array(await r.clone().arrayBuffer()).slice(0, 3)], text: await r.text() };
    }, href);
    assert.match(csv.type, /text\/csv/);
    assert.deepEqual(csv.bytes, [0xef, 0xbb, 0xbf]);
    assert.ok(csv.text.includes(DECISION), 'the decision is in the CSV');
    await shot(ines, '20-register');
  });

  step('decisions screens work at phone width and in English', async () => {
    assert.ok(convened, 'needs the convened meeting of the previous steps');
    await ines.setViewportSize({ width: 360, height: 780 });
    await ines.goto(`${meetingUrl}?tab=decisions`);
    await ines.getByLabel(`Objection — ${CAF}`).waitFor();
    let overflow = await ines.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `horizontal overflow of ${overflow}px at 360px (decisions)`);
    await shot(ines, '21-decisions-phone');
    await sophie.setViewportSize({ width: 360, height: 780 });
    await sophie.reload();
    await sophie.locator('.my-actions > li').first().waitFor();
    overflow = await sophie.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `horizontal overflow of ${overflow}px at 360px (my actions)`);
    await sophie.getByRole('button', { name: 'EN', exact: true }).click();
    await sophie.getByRole('heading', { level: 1, name: 'My organization’s actions' }).waitFor();
    await sophie.getByText('Due: ').first().waitFor();
    await shot(sophie, '22-my-actions-phone-en');
    await sophie.getByRole('button', { name: 'FR', exact: true }).click();
    await ines.setViewportSize({ width: 1100, height: 900 });
    await sophie.setViewportSize({ width: 1100, height: 900 });
  });
});

describe('accessibility', { concurrency: false }, () => {
  step('axe-core finds no serious violation on the main screens, at 1280 px and 360 px', async () => {
    assert.ok(convened, 'needs the convened meeting of the previous steps');
    const registerUrl = new URL(projectUrl);
    registerUrl.pathname += '/decisions';
    const screens = [
      ['home', new URL('/', projectUrl).toString(), 'Vos projets'],
      ['project', projectUrl, 'Partenaires'],
      ['meeting', meetingUrl, 'Comité de lancement'],
      ['register', registerUrl.toString(), 'Registre des décisions'],
    ];
    const found = [];
    for (const width of [1280, 360]) {
      await ines.setViewportSize({ width, height: 900 });
      for (const [name, url, heading] of screens) {
        await ines.goto(url);
        await ines.getByRole('heading', { name: heading }).first().waitFor();
        await ines.waitForLoadState('networkidle').catch(() => undefined);
        for (const v of await seriousViolations(ines)) found.push(`${name} at ${width}px: ${v}`);
      }
    }
    await ines.setViewportSize({ width: 1100, height: 900 });
    assert.deepEqual(found, []);
  });
});

describe('calendar subscription', { concurrency: false }, () => {
  step('an address is made on request, serves the convened meeting, and is revoked', async () => {
    assert.ok(convened, 'needs the convened meeting of the previous steps');
    await ines.goto(`${stack.base}/account`);
    await ines.getByRole('button', { name: 'Obtenir une adresse d’abonnement' }).click();
    const address = await ines.getByLabel('Adresse de l’agenda').inputValue();
    assert.match(address, /\/calendar\/[A-Za-z0-9_-]+\.ics$/);
    const feed = await fetch(address);
    assert.equal(feed.status, 200);
    assert.match(feed.headers.get('content-type') ?? '', /^text\/calendar/);
    const ics = await feed.text();
    assert.ok(ics.startsWith('BEGIN:VCALENDAR'), ics.slice(0, 80));
    assert.ok(ics.includes('SUMMARY:Comité de lancement'), 'the convened meeting is in the feed');
    await shot(ines, '23-calendar-feed');
    await ines.getByRole('button', { name: 'Révoquer toutes mes adresses' }).click();
    await ines.locator('dialog').getByRole('button', { name: 'Révoquer toutes mes adresses' }).click();
    await ines.getByText('Toutes vos adresses d’abonnement ont été révoquées.').waitFor();
    assert.equal((await fetch(address)).status, 404);
  });
});

describe('the end of a session', { concurrency: false }, () => {
  step('signing out in another tab ends the live document here, with the reason', async () => {
    await sophie.goto(projectUrl);
    await sophie.locator('#conn[data-state="connected"]').waitFor({ timeout: 15_000 });
    const other = await sophie.context().newPage();
    await other.goto(`${stack.base}/`);
    const status = await other.evaluate(async () => (await fetch('/api/auth/logout', { method: 'POST' })).status);
    assert.equal(status, 204);
    await other.close();
    await sophie.locator('#conn[data-state="signedOut"]').waitFor({ timeout: 10_000 });
    await sophie.locator('#conn').getByText('Vous avez été déconnecté·e').waitFor();
    // It stays so: no reconnection attempts turning it back into "offline".
    await sophie.waitForTimeout(1500);
    assert.equal(await sophie.locator('#conn').getAttribute('data-state'), 'signedOut');
    await shot(sophie, '24-signed-out');
  });
});

describe('who speaks for an organization', { concurrency: false }, () => {
  const KARIM = 'karim@caf.example';
  let karim;
  let consultedUrl;

  step('a contact named for an existing organization reads the consultation and asks to join', async () => {
    // The MJC consults the CAF (which has Sophie as its admin) on another project, naming Karim.
    ines = await newPage('ines');
    await logIn(ines, INITIATOR);
    await ines.getByLabel('Titre du projet').fill('Chantier éducatif été 2027');
    await ines.getByRole('button', { name: 'Créer le projet' }).click();
    await ines.getByRole('heading', { level: 1, name: 'Chantier éducatif été 2027' }).waitFor();
    consultedUrl = ines.url();
    await ines.getByLabel('Nom de l’organisation').fill('caf des yvelines');
    await ines.getByLabel('E-mail du contact').fill(KARIM);
    await ines.getByRole('button', { name: 'Envoyer la consultation' }).click();
    await ines.locator('.partner', { hasText: CAF }).getByText('Consulté, sans réponse').waitFor();

    karim = await newPage('karim');
    const link = await waitForLink(stack.maildir, KARIM);
    await followLink(karim, link);
    await karim.getByRole('heading', { level: 1, name: 'Consultation : Chantier éducatif été 2027' }).waitFor();
    await karim.getByText(`${MJC} consulte ${CAF} sur ce projet.`).waitFor();
    // Not a member: the header names no organization of his, and the project itself is closed to him.
    assert.equal(await karim.locator('nav a.nav-org').count(), 0);
    await karim.setViewportSize({ width: 1280, height: 900 });
    await shot(karim, '25-consultation-read-only');
    await karim.getByRole('button', { name: `Demander à rejoindre ${CAF}` }).click();
    await karim.getByText(`Votre demande pour rejoindre ${CAF} attend la décision`).waitFor();
    await karim.setViewportSize({ width: 360, height: 780 });
    await shot(karim, '26-consultation-phone');
    await karim.setViewportSize({ width: 1100, height: 900 });
    const status = await karim.evaluate(async (url) => (await fetch(`/api/projects/${url.split('/').pop()}`)).status, consultedUrl);
    assert.equal(status, 404, 'a pending member sees nothing of the project');
  });

  step('the admin approves the request from the members page; the contact can then answer', async () => {
    sophie = await newPage('sophie');
    await logIn(sophie, PARTNER);
    // The email to the admins leads to the members page.
    const link = await waitForLink(stack.maildir, PARTNER, { pattern: /\/organizations\/[0-9a-f-]{36}/ });
    await sophie.goto(new URL(link, stack.base).toString());
    await sophie.getByRole('heading', { level: 1, name: CAF }).waitFor();
    // The header's organization name leads there too.
    assert.equal(await sophie.locator('nav a.nav-org', { hasText: CAF }).getAttribute('href'), new URL(link, stack.base).pathname);
    const requests = sophie.getByRole('region', { name: 'Demandes en attente' });
    await requests.getByText(KARIM).waitFor();
    await sophie.setViewportSize({ width: 1280, height: 900 });
    await shot(sophie, '27-members-pending');
    await sophie.setViewportSize({ width: 360, height: 780 });
    await shot(sophie, '28-members-phone');
    await sophie.setViewportSize({ width: 1100, height: 900 });
    await requests.getByRole('button', { name: 'Accepter karim' }).click();
    await sophie.getByText(`karim est maintenant membre de ${CAF}.`).first().waitFor();
    await sophie.getByRole('row', { name: /karim/ }).waitFor();
    assert.equal(await sophie.getByRole('region', { name: 'Demandes en attente' }).getByText('Aucune demande en attente.').count(), 1);
    await shot(sophie, '29-members-approved');
    // The last admin cannot leave: the server says so, the page shows it.
    await sophie.getByRole('button', { name: `Quitter ${CAF}` }).click();
    await sophie
      .locator('dialog')
      .getByRole('button', { name: `Quitter ${CAF}` })
      .click();
    await sophie.getByText('L’organisation doit garder au moins un·e administrateur·rice').waitFor();

    // Karim is told by email, and now answers for the CAF.
    await waitForLink(stack.maildir, KARIM, { pattern: /maintenant membre/ });
    await karim.reload();
    await karim.getByRole('link', { name: 'Ouvrir le projet pour répondre' }).click();
    const panel = karim.getByRole('region', { name: 'Vous êtes consulté·e' });
    await panel.waitFor();
    await panel.getByRole('button', { name: `Accepter au nom de ${CAF}` }).waitFor();
    assert.equal(await karim.locator('nav a.nav-org', { hasText: CAF }).count(), 1);
  });
});

describe('proof of consent', { concurrency: false }, () => {
  let verifyUrl;
  let visitor;

  step('the initiator attests the partnership; the partner downloads its signed receipt', async () => {
    await ines.goto(projectUrl);
    const section = ines.getByRole('region', { name: 'Attestations de partenariat' });
    await section.getByRole('button', { name: 'Attester le partenariat' }).click();
    await section.getByText('Attestation créée. Lien public').waitFor();
    const link = section.locator('.attestation-link a').first();
    verifyUrl = await link.getAttribute('href');
    assert.match(verifyUrl, /\/verify\/[A-Za-z0-9_-]+$/);
    await section.getByText('En vigueur').waitFor();
    await shot(ines, '30-attestations');

    await sophie.goto(projectUrl);
    const receipt = sophie.locator('.partner', { hasText: CAF }).getByRole('link', { name: 'acceptation' });
    await receipt.waitFor({ timeout: 15_000 });
    assert.equal(await receipt.getAttribute('download'), 'recu-acceptation-caf-des-yvelines.jws');
    const href = await receipt.getAttribute('href');
    const jws = decodeURIComponent(href.slice(href.indexOf(',') + 1));
    assert.equal(jws.split('.').length, 3, 'a compact JWS');
    const payload = JSON.parse(Buffer.from(jws.split('.')[1], 'base64url').toString('utf8'));
    assert.equal(payload.kind, 'partnership.accepted');
    assert.equal(payload.organization.name, CAF);
  });

  step('a browser with no session opens the link and reads "valide"', async () => {
    const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', viewport: { width: 1280, height: 900 } });
    visitor = await context.newPage();
    const response = await visitor.goto(verifyUrl);
    assert.equal(response.status(), 200);
    await visitor.getByText('Attestation valide').waitFor();
    assert.ok((await visitor.getByText('toujours valide').count()) >= 2, 'each consent still holds');
    await visitor.getByRole('heading', { level: 3, name: CAF }).waitFor();
    await visitor.locator('svg.qr').waitFor();
    const text = await visitor.locator('body').innerText();
    assert.ok(!text.includes(PARTNER) && !text.includes(INITIATOR), 'no email address on the page');
    await shot(visitor, '31-verify');
    await visitor.setViewportSize({ width: 360, height: 780 });
    const overflow = await visitor.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the page fits a 360 px screen (overflow ${overflow} px)`);
    await shot(visitor, '32-verify-phone');
    await visitor.setViewportSize({ width: 1280, height: 900 });
  });

  step('after the partner is withdrawn, the same link shows what changed, and when', async () => {
    await ines.goto(projectUrl);
    await ines
      .locator('.partner', { hasText: CAF })
      .getByRole('button', { name: `Retirer ${CAF}` })
      .click();
    await ines.locator('dialog').getByRole('button', { name: 'Confirmer' }).click();
    await ines.locator('.partner', { hasText: CAF }).getByText('Retiré').waitFor({ timeout: 15_000 });
    await visitor.reload();
    await visitor.getByText('des engagements ont changé depuis').waitFor();
    await visitor.getByText('partenariat retiré le').first().waitFor();
    // The initiator's own consents still hold.
    assert.ok((await visitor.getByText('toujours valide').count()) >= 1);
    await shot(visitor, '33-verify-withdrawn');
    await visitor.context().close();
  });
});

describe('partners’ time', { concurrency: false }, () => {
  // A project of its own (the first one lost the CAF to the proof-of-consent steps' neighbours):
  // set up through the API, then the screens of issue 15 used in the browser.
  const TITLE = 'Temps partagé';
  let project;
  let caf;
  let mjc;
  let express; // convened for a slot a minute away: attendance once it started
  let close; // a slot three days away, inside the 14 days' notice
  let expressStart;

  /** A call to the API from a signed-in page (its session cookie), which must succeed. */
  async function call(page, method, path, body) {
    const r = await page.evaluate(
      async ([m, p, b]) => {
        const res = await fetch(p, {
          method: m,
          headers: b === undefined ? {} : { 'Content-Type': 'application/json' },
          body: b === undefined ? undefined : JSON.stringify(b),
        });
        return { status: res.status, text: await res.text() };
      },
      [method, path, body],
    );
    // A server error says what the server logged.
    const log = r.status >= 500 ? `\n${stack.logs.join('').slice(-1500)}` : '';
    assert.ok(r.status < 300, `${method} ${path}: HTTP ${r.status} ${r.text.slice(0, 300)}${log}`);
    return r.text ? JSON.parse(r.text) : null;
  }

  /** Screenshots at 1280 and 360 px (the page, and the section), no horizontal overflow, and axe-core clean at both. */
  async function screens(page, name, section) {
    const found = [];
    for (const width of [1280, 360]) {
      await page.setViewportSize({ width, height: 900 });
      await section.scrollIntoViewIfNeeded();
      await page.waitForTimeout(300);
      const overflow = await overflowOf(page);
      assert.ok(overflow <= 1, `${name}: horizontal overflow of ${overflow}px at ${width}px`);
      await shot(page, `${name}-${width}`);
      await section.screenshot({ path: join(shots, `${name}-${width}-section.png`) });
      for (const v of await seriousViolations(page)) found.push(`${name} at ${width}px: ${v}`);
    }
    await page.setViewportSize({ width: 1100, height: 900 });
    assert.deepEqual(found, []);
  }

  /** Prepares a meeting through the API up to the chosen slot: poll, agenda, both agreements. */
  async function prepare(title, minutes, startsAt) {
    const meeting = await call(ines, 'POST', `/api/projects/${project.id}/meetings`, { title, duration_minutes: minutes, timezone: 'Europe/Paris' });
    const slot = await call(ines, 'POST', `/api/meetings/${meeting.id}/slots`, { starts_at: startsAt });
    for (const page of [ines, sophie]) await call(page, 'PUT', `/api/meetings/${meeting.id}/availability`, { answers: { [slot.id]: 'yes' } });
    const agenda = await call(ines, 'PUT', `/api/meetings/${meeting.id}/agenda`, { items: [{ title: 'Calendrier', duration_min: minutes }] });
    await call(ines, 'POST', `/api/meetings/${meeting.id}/agenda/agreement`, { content_hash: agenda.content_hash, decision: 'agree', organization_id: mjc });
    await call(sophie, 'POST', `/api/meetings/${meeting.id}/agenda/agreement`, { content_hash: agenda.content_hash, decision: 'agree', organization_id: caf });
    await call(ines, 'POST', `/api/meetings/${meeting.id}/slot`, { slot_id: slot.id });
    return meeting;
  }

  step('a project with the CAF, missions agreed (through the API)', async () => {
    await ines.goto(`${stack.base}/`);
    await sophie.goto(`${stack.base}/`);
    mjc = (await call(ines, 'GET', '/api/me')).organizations.find((o) => o.name === MJC).id;
    caf = (await call(sophie, 'GET', '/api/me')).organizations.find((o) => o.name === CAF).id;
    project = await call(ines, 'POST', '/api/projects', { title: TITLE, summary: 'Le temps que chacun donne.', initiator_organization_id: mjc });
    await call(ines, 'POST', `/api/projects/${project.id}/partners`, { organization_id: caf, contact_email: PARTNER });
    await call(sophie, 'POST', `/api/projects/${project.id}/partners/${caf}/answer`, { decision: 'accept' });
    for (const [page, org, text] of [
      [ines, mjc, 'Coordonner.'],
      [sophie, caf, 'Cofinancer.'],
    ]) {
      const mission = await call(page, 'PUT', `/api/projects/${project.id}/missions/${org}`, { text });
      await call(page, 'POST', `/api/projects/${project.id}/missions/${org}/agreement`, { content_hash: mission.content_hash, decision: 'agree' });
    }
    assert.equal(project.min_notice_days, 14, 'two weeks of notice by default');
  });

  step('a meeting convened at short notice; attendance before it starts is refused as the server says', async () => {
    // The slot: the next whole minute at least 45 s away (both agree to the short notice first).
    expressStart = Math.ceil((Date.now() + 45_000) / 60_000) * 60_000;
    express = await prepare('Réunion express', 30, new Date(expressStart).toISOString());
    const { notice } = await call(ines, 'GET', `/api/meetings/${express.id}/readiness`);
    assert.equal(notice.short, true);
    for (const [page, org] of [
      [ines, mjc],
      [sophie, caf],
    ])
      await call(page, 'POST', `/api/meetings/${express.id}/short-notice/agreement`, {
        decision: 'agree',
        content_hash: notice.content_hash,
        organization_id: org,
      });
    await call(ines, 'POST', `/api/meetings/${express.id}/concertation`, { summary: 'Accord de tous sur le délai court.' });
    await call(ines, 'POST', `/api/meetings/${express.id}/convocation`);
    assert.ok(Date.now() < expressStart - 5000, 'convened before the meeting starts');

    await ines.goto(`${stack.base}/meetings/${express.id}`);
    const section = ines.getByRole('region', { name: 'Présences' });
    const sophieRow = section.getByRole('group', { name: `Sophie Bernard (${CAF})` });
    await sophieRow.getByLabel('Présent·e').check();
    await section.getByRole('button', { name: 'Enregistrer les présences' }).click();
    await section.getByText('La réunion n’a pas encore commencé.').waitFor();
    assert.equal(await sophieRow.getAttribute('data-status'), 'none');
  });

  step('the partner sets its time budget; a wrong value is shown on its field', async () => {
    await sophie.goto(`${stack.base}/projects/${project.id}`);
    const form = sophie.getByRole('form', { name: `Budget de temps de ${CAF}` });
    await form.getByLabel('Heures par an').fill('3000');
    await form.getByRole('button', { name: 'Enregistrer le budget' }).click();
    await form.getByText('Vérifiez le champ « Heures par an ».').waitFor();
    assert.equal(await form.getByLabel('Heures par an').getAttribute('aria-invalid'), 'true');
    await form.getByLabel('Heures par an').fill('1');
    await form.getByLabel('Valeur d’une heure (€)').fill('40');
    await form.getByRole('button', { name: 'Enregistrer le budget' }).click();
    await form.getByText(`Budget de ${CAF} enregistré.`).waitFor();
    assert.equal(await form.getByLabel('Heures par an').getAttribute('aria-invalid'), null);
    const row = sophie.getByRole('table', { name: 'Temps donné par chaque partenaire' }).getByRole('row', { name: new RegExp(CAF) });
    await row.getByRole('cell', { name: '1 h' }).first().waitFor({ timeout: 20_000 });
    await sophie.getByText('Préavis minimum : 14 jours.').waitFor();
  });

  step('once the meeting started, the initiator records attendance in the browser', async () => {
    await ines.waitForTimeout(Math.max(0, expressStart - Date.now() + 1500));
    const section = ines.getByRole('region', { name: 'Présences' });
    const sophieRow = section.getByRole('group', { name: `Sophie Bernard (${CAF})` });
    await sophieRow.getByLabel('Présent·e').check();
    await section
      .getByRole('group', { name: new RegExp(`\\(${MJC}\\)`) })
      .getByLabel('Excusé·e')
      .check();
    await section.getByRole('button', { name: 'Enregistrer les présences' }).click();
    await section.getByText('Présences enregistrées.').waitFor();
    await section.locator(`fieldset[data-status="present"]`, { hasText: 'Sophie Bernard' }).waitFor();
    const recorded = await call(ines, 'GET', `/api/meetings/${express.id}/attendance`);
    assert.deepEqual(recorded.map((a) => a.status).sort(), ['excused', 'present']);
    await screens(ines, '40-time-attendance', section);
    await call(ines, 'POST', `/api/meetings/${express.id}/held`);
  });

  step('a slot inside the notice: the partner accepts the short notice in the browser, the gate stops asking it', async () => {
    close = await prepare('Point d’étape', 60, `${parisDay(3)}T09:00:00Z`);
    await sophie.goto(`${stack.base}/meetings/${close.id}`);
    await sophie.locator('table.poll-grid [data-inside-notice="true"]').getByText('préavis trop court').waitFor();
    const gateLine = (page) => page.locator('.checklist li[data-rule="notice"]');
    await gateLine(sophie).getByText('Préavis : 3 jours (le projet en demande 14).').waitFor({ timeout: 15_000 });
    await gateLine(sophie).getByText(`${CAF} n’a pas encore accepté le délai court.`).waitFor();
    const section = sophie.getByRole('region', { name: 'Préavis, représentants et budgets' });
    // Who represents the CAF: Sophie by default (she answered the poll); she names Karim too.
    const reps = section.getByRole('group', { name: `Qui représentera ${CAF} ?` });
    assert.equal(await reps.getByLabel('Sophie Bernard').isChecked(), true);
    await reps.getByLabel('karim').check();
    await section.getByRole('button', { name: 'Enregistrer les représentants' }).click();
    await section.getByText(`Représentants de ${CAF} enregistrés.`).waitFor();
    await section.locator('.representatives-list li[data-chosen="true"]', { hasText: 'Sophie Bernard et karim' }).waitFor();
    // Past the CAF's budget of 1 h: said, not blocking.
    await section.getByText(new RegExp(`Cette réunion porterait ${CAF} à .* sur un budget de 1\\s+h cette année\\.`)).waitFor({ timeout: 15_000 });
    await screens(sophie, '41-time-short-notice', section);
    await section.getByRole('button', { name: `Accepter le délai court au nom de ${CAF}` }).click();
    await section.getByText(`Délai court accepté au nom de ${CAF}.`).waitFor();
    // Answered: the question goes once the state is read again.
    await section.getByRole('button', { name: `Accepter le délai court au nom de ${CAF}` }).waitFor({ state: 'detached', timeout: 10_000 });
    // The initiator's gate no longer names the CAF for the notice; the MJC still has to answer.
    await ines.goto(`${stack.base}/meetings/${close.id}`);
    await gateLine(ines).getByText(`Délai court accepté par : ${CAF} ; pas encore par : ${MJC}.`).waitFor({ timeout: 15_000 });
    assert.equal(await gateLine(ines).getByText(`${CAF} n’a pas encore accepté le délai court.`).count(), 0);
    const { unmet } = await call(ines, 'GET', `/api/meetings/${close.id}/readiness`);
    assert.deepEqual(
      unmet.filter((u) => u.rule === 'notice_too_short').map((u) => u.organization_name),
      [MJC],
    );
    await shot(ines, '42-time-gate-notice');
  });

  step('the initiator lowers the minimum notice in the project; the meeting’s notice is then enough', async () => {
    await ines.goto(`${stack.base}/projects/${project.id}`);
    await ines.getByText('Modifier le titre, le résumé ou le préavis').click();
    const form = ines.locator('details.edit-project form');
    await form.getByLabel('Préavis minimum').fill('2');
    await form.getByRole('button', { name: 'Enregistrer' }).click();
    await ines.getByText('Projet modifié.').waitFor();
    await ines.getByText('Préavis minimum : 2 jours.').waitFor();
    await ines.goto(`${stack.base}/meetings/${close.id}`);
    const line = ines.locator('.checklist li[data-rule="notice"]');
    await line.getByText('Préavis : 3 jours (le projet en demande 2) : c’est suffisant.').waitFor({ timeout: 15_000 });
    assert.equal(await line.getAttribute('class'), 'met');
    assert.equal(await ines.locator('table.poll-grid [data-inside-notice="true"]').count(), 0);
  });

  step('the project page shows the time given (table, chart, CSV); the sheet too; the home page the load', async () => {
    await ines.goto(`${stack.base}/projects/${project.id}`);
    const section = ines.getByRole('region', { name: 'Temps donné au projet' });
    const row = section.getByRole('row', { name: new RegExp(CAF) });
    await row.getByRole('cell', { name: '0,5 h' }).first().waitFor({ timeout: 15_000 });
    await row.getByRole('cell', { name: '20 €' }).waitFor();
    await section.getByRole('img', { name: 'Heures par partenaire, face à son budget annuel' }).waitFor();
    const href = await section.getByRole('link', { name: 'Télécharger le temps des partenaires (CSV pour tableur)' }).getAttribute('href');
    const csv = await ines.evaluate(async (url) => {
      const r = await fetch(url);
      return { type: r.headers.get('content-type'), text: await r.text() };
    }, href);
    assert.match(csv.type, /text\/csv/);
    assert.ok(csv.text.includes(CAF), 'the CAF is in the CSV');
    await screens(ines, '43-time-project', section);
    const sheet = await ines.evaluate(async (id) => (await fetch(`/api/projects/${id}/sheet?format=html`)).text(), project.id);
    assert.ok(sheet.includes('Contribution en temps des partenaires'), 'the sheet has the time table');

    await sophie.goto(`${stack.base}/`);
    const mine = sophie.getByRole('region', { name: 'Mes réunions' });
    await mine.getByRole('link', { name: 'Réunion express' }).waitFor();
    await mine.getByRole('img', { name: 'Heures de réunion par semaine' }).waitFor();
    await screens(sophie, '44-time-my-meetings', mine);
  });
});

describe('the Content-Security-Policy', { concurrency: false }, () => {
  step('blocked nothing the pages of this run needed', async () => {
    assert.deepEqual(cspViolations, []);
  });
});
