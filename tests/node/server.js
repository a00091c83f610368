// The real server for a Node test: `AMONT_BIN` started on a free port, on a database of its own
// (created with `psql` on the admin URL `DATABASE_URL` and dropped at the end; without
// `DATABASE_URL`, the server's own private PostgreSQL cluster), emails read from its .eml drop,
// stopped with SIGTERM (then SIGKILL if it lingers).

import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ORIGIN = 'http://localhost:8080'

function freePort () {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

/** Waits until `ready()` holds, at most `ms` milliseconds (an upper bound, not a timing). */
export async function until (ready, ms = 20000, what = 'condition') {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await ready()) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  assert.fail(`timed out waiting for ${what}`)
}

/** A fresh database on the admin URL `DATABASE_URL`, or null without one. */
function ownDatabase () {
  const admin = process.env.DATABASE_URL
  if (!admin) return null
  const name = `amont_node_${process.pid}_${Date.now()}`
  execFileSync('psql', ['-q', admin, '-c', `CREATE DATABASE ${name}`])
  const url = new URL(admin)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: () => execFileSync('psql', ['-q', admin, '-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`])
  }
}

/** Starts the server, its base URL (`AMONT_BASE_URL`: the `iss` of what it signs, its links)
 * the address it listens on; `env` is added to the process environment. */
export async function startServer (env = {}) {
  const bin = process.env.AMONT_BIN
  assert.ok(bin, 'set AMONT_BIN to the amont binary (cargo build)')
  const dataDir = mkdtempSync(join(tmpdir(), 'amont-node-'))
  const database = ownDatabase()
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const full = {
    ...process.env,
    AMONT_BIND: `127.0.0.1:${port}`,
    AMONT_BASE_URL: base,
    AMONT_DATA_DIR: dataDir,
    ...env
  }
  delete full.SMTP_URL
  if (database) full.DATABASE_URL = database.url
  else delete full.DATABASE_URL
  // The server's log is shown only if it fails to start.
  const child = spawn(bin, ['serve'], { env: full, stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  child.stderr.on('data', (chunk) => { log = (log + chunk).slice(-20000) })
  child.on('exit', () => { child.exited = true })
  await until(async () => {
    if (child.exited) assert.fail(`the server exited at start:\n${log}`)
    try { return (await fetch(`${base}/healthz`)).ok } catch { return false }
  }, 120000, 'the server to start')

  async function api (method, path, body, token) {
    const headers = { 'content-type': 'application/json', origin: ORIGIN }
    if (token) headers.authorization = `Bearer ${token}`
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    const text = await response.text()
    return { status: response.status, body: text ? JSON.parse(text) : null }
  }

  /** The token of the newest link emailed to `email` (quoted-printable decoded). */
  function emailedToken (email) {
    const dir = join(dataDir, 'mail')
    let files = []
    try { files = readdirSync(dir) } catch { return null }
    // Finished messages only: the server renames `.<id>.eml.partial` to `<id>.eml` when done.
    for (const file of files.filter((name) => name.endsWith('.eml') && !name.startsWith('.'))) {
      const raw = readFileSync(join(dir, file), 'utf8')
      if (!raw.includes(`To: ${email}`)) continue
      const text = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=')
      const match = text.match(/token=([0-9a-f]{64})/)
      if (match) return match[1]
    }
    return null
  }

  /** Logs in with the link emailed to `email` (a login link, or a consultation's). */
  async function logInWithEmailedLink (email) {
    let token = null
    await until(() => (token = emailedToken(email)), 20000, `the email to ${email}`)
    const { status, body } = await api('POST', '/api/auth/session', { token })
    assert.equal(status, 200, JSON.stringify(body))
    return body
  }

  async function logIn (email) {
    assert.equal((await api('POST', '/api/auth/magic-link', { email })).status, 202)
    return logInWithEmailedLink(email)
  }

  async function stop () {
    if (!child.exited) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      const killer = setTimeout(() => child.kill('SIGKILL'), 15000)
      await exited
      clearTimeout(killer)
    }
    if (database) database.drop()
    rmSync(dataDir, { recursive: true, force: true })
  }

  return { base, api, logIn, logInWithEmailedLink, stop }
}
