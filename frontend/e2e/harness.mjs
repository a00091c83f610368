// The e2e harness: builds and starts the real server on loopback, with a fresh PostgreSQL
// database and a real SMTP server (aiosmtpd writing a maildir), and stops all of it after.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '..', '..');
export const frontend = resolve(here, '..');

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

async function waitFor(check, what, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
}

function withDatabase(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function startStack() {
  const target = process.env.CARGO_TARGET_DIR || '/root/.cache/amont/target-front';
  const cleanups = [];
  const stack = { cleanups };
  try {
    // AMONT_E2E_BIN: an already built binary (scripts/test passes its own); else build one.
    let bin = process.env.AMONT_E2E_BIN;
    if (!bin) {
      execFileSync('cargo', ['build', '--quiet'], { cwd: repo, stdio: 'inherit', env: { ...process.env, CARGO_TARGET_DIR: target } });
      bin = join(target, 'debug', 'amont');
    }
    const work = mkdtempSync(join(tmpdir(), 'amont-e2e-'));
    // The private cluster runs as the postgres user, which must be able to traverse it.
    chmodSync(work, 0o755);
    cleanups.push(() => rmSync(work, { recursive: true, force: true }));

    // The database: a fresh one on the admin URL, or on a private cluster started for the run.
    let admin = process.env.DATABASE_URL;
    if (!admin) {
      const pgDir = join(work, 'pg');
      const out = execFileSync(bin, ['db', 'start', pgDir], { encoding: 'utf8' });
      const line = out.split('\n').find((l) => l.startsWith('DATABASE_URL='));
      if (!line) throw new Error(`amont db start printed no DATABASE_URL: ${out}`);
      admin = line.slice('DATABASE_URL='.length).trim();
      cleanups.push(() => execFileSync(bin, ['db', 'stop', pgDir], { stdio: 'ignore' }));
    }
    const dbName = `amont_e2e_${process.pid}_${Date.now()}`;
    execFileSync('psql', ['-q', admin, '-c', `CREATE DATABASE ${dbName}`], { stdio: 'ignore' });
    cleanups.push(() => execFileSync('psql', ['-q', admin, '-c', `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`], { stdio: 'ignore' }));

    // A real SMTP server on loopback, writing every message to a maildir.
    const smtpPort = await freePort();
    const maildir = join(work, 'maildir');
    const smtp = spawn('/usr/bin/python3', ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${smtpPort}`, '-c', 'aiosmtpd.handlers.Mailbox', maildir], {
      stdio: 'ignore',
    });
    cleanups.push(() => stop(smtp));
    await waitFor(() => existsSync(join(maildir, 'new')), 'the SMTP server');

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const logs = [];
    const server = spawn(bin, ['serve'], {
      cwd: work,
      env: {
        ...process.env,
        DATABASE_URL: withDatabase(admin, dbName),
        AMONT_BIND: `127.0.0.1:${port}`,
        AMONT_BASE_URL: base,
        AMONT_STATIC_DIR: join(frontend, 'dist'),
        AMONT_DATA_DIR: join(work, 'var'),
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        // Notices go out within a second (not a quarter of an hour): the scenario reads them.
        AMONT_NOTICE_WINDOW: '1',
        AMONT_NOTICE_EVERY: '1',
        RUST_LOG: process.env.RUST_LOG || 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout.on('data', (d) => logs.push(String(d)));
    server.stderr.on('data', (d) => logs.push(String(d)));
    cleanups.push(() => stop(server));
    await waitFor(async () => (await fetch(`${base}/healthz`)).status === 200, 'the server', 90_000);
    Object.assign(stack, { base, maildir, logs, server });
    return stack;
  } catch (error) {
    await stopStack(stack);
    throw error;
  }
}

function stop(child) {
  return new Promise((ok) => {
    if (child.exitCode !== null || child.signalCode !== null) return ok();
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      ok();
    });
    child.kill('SIGTERM');
  });
}

export async function stopStack(stack) {
  for (const fn of stack.cleanups.reverse()) {
    try {
      await fn();
    } catch (error) {
      console.error('cleanup:', error.message);
    }
  }
}

/** Quoted-printable to text: soft line breaks joined, each run of escapes read as UTF-8. */
function decodeQuotedPrintable(text) {
  return text.replace(/=\r?\n/g, '').replace(/(?:=[0-9A-F]{2})+/g, (run) =>
    Buffer.from(
      run
        .slice(1)
        .split('=')
        .map((hex) => parseInt(hex, 16)),
    ).toString('utf8'),
  );
}

/** The text of the message's base64 text parts (plain and HTML), decoded. */
function base64TextParts(raw) {
  const texts = [];
  const re = /Content-Type:\s*text\/(?:plain|html)[^]*?\r?\n\r?\n/gi;
  let m;
  while ((m = re.exec(raw))) {
    if (!/Content-Transfer-Encoding:\s*base64/i.test(m[0])) continue;
    const start = m.index + m[0].length;
    const end = raw.indexOf('\n--', start);
    texts.push(Buffer.from(raw.slice(start, end === -1 ? undefined : end).replace(/\s+/g, ''), 'base64').toString('utf8'));
  }
  return texts;
}

/** Every message in the maildir, decoded enough to find links and read words: {to, subject, text}. */
export function readMail(maildir) {
  const dir = join(maildir, 'new');
  // Maildir names start with the second and the (unpadded) microsecond of delivery.
  const when = (name) => {
    const m = /^(\d+)\.M(\d+)/.exec(name);
    return m ? Number(m[1]) * 1e6 + Number(m[2]) : 0;
  };
  return readdirSync(dir)
    .sort((a, b) => when(a) - when(b) || a.localeCompare(b))
    .map((name) => {
      const raw = readFileSync(join(dir, name), 'utf8');
      const header = (n) => new RegExp(`^${n}:\\s*(.*)$`, 'mi').exec(raw)?.[1] ?? '';
      const text = [decodeQuotedPrintable(raw), ...base64TextParts(raw)].join('\n');
      return { to: header('To'), subject: header('Subject'), text, raw };
    });
}

/** Waits for a message to `address`, after the first `after` ones, whose text has every one of `words`; returns it. */
export async function waitForMail(maildir, address, { after = 0, words = [] } = {}) {
  let found;
  await waitFor(
    () => {
      found = readMail(maildir)
        .slice(after)
        .find((m) => m.to.toLowerCase().includes(address.toLowerCase()) && words.every((w) => m.text.includes(w)));
      return Boolean(found);
    },
    `an email to ${address} saying ${words.map((w) => `“${w}”`).join(', ')}`,
    30_000,
  );
  return found;
}

/** Waits for a message to `address` whose text matches `pattern`; returns the first link found. */
export async function waitForLink(maildir, address, { after = 0, pattern = /\/login\?token=[A-Za-z0-9]+(?:&(?:amp;)?project=[0-9a-f-]{36})?/ } = {}) {
  let found;
  await waitFor(
    () => {
      const mails = readMail(maildir)
        .slice(after)
        .filter((m) => m.to.toLowerCase().includes(address.toLowerCase()));
      for (const mail of mails) {
        const m = pattern.exec(mail.text);
        if (m) {
          found = m[0].replace('&amp;', '&');
          return true;
        }
      }
      return false;
    },
    `an email to ${address}`,
    30_000,
  );
  return found;
}

/** The decoded text/calendar parts of a raw message (base64 or quoted-printable or plain). */
export function calendarParts(raw) {
  const parts = [];
  const re = /Content-Type:\s*text\/calendar[^]*?\r?\n\r?\n/gi;
  let m;
  while ((m = re.exec(raw))) {
    const headers = m[0];
    const start = m.index + m[0].length;
    const boundaryAt = raw.indexOf('\n--', start);
    const body = raw.slice(start, boundaryAt === -1 ? undefined : boundaryAt);
    if (/Content-Transfer-Encoding:\s*base64/i.test(headers)) parts.push(Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8'));
    else if (/Content-Transfer-Encoding:\s*quoted-printable/i.test(headers))
      parts.push(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16))));
    else parts.push(body);
  }
  return parts;
}
