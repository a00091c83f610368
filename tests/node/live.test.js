// The stock browser stack — `yjs` with the `y-websocket` provider — against Amont's live
// document, with no custom client code: the same provider a browser uses, on Node through the
// `ws` polyfill.
//
// The test starts the real server (`AMONT_BIN`, built by `cargo build`) on a free port, against
// `DATABASE_URL` when set or its own private PostgreSQL cluster otherwise, logs in through the
// real magic-link flow (the email is read from the server's .eml drop), and stops the server
// (SIGTERM, then SIGKILL if it lingers) when done.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'

const ORIGIN = 'http://localhost:8080'
let server
let base
let dataDir
let session
let projectId
let orgName

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
async function until (ready, ms = 20000, what = 'condition') {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await ready()) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  assert.fail(`timed out waiting for ${what}`)
}

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

/** The login token in the newest email to `email` (quoted-printable decoded). */
function loginToken (email) {
  const dir = join(dataDir, 'mail')
  let files = []
  try { files = readdirSync(dir) } catch { return null }
  // The server writes `.<id>.eml.partial` and renames it to `<id>.eml` once complete: read only
  // the finished messages.
  for (const file of files.filter((name) => name.endsWith('.eml') && !name.startsWith('.'))) {
    const raw = readFileSync(join(dir, file), 'utf8')
    if (!raw.includes(`To: ${email}`)) continue
    const text = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=')
    const match = text.match(/token=([0-9a-f]{64})/)
    if (match) return match[1]
  }
  return null
}

async function logIn (email) {
  assert.equal((await api('POST', '/api/auth/magic-link', { email })).status, 202)
  let token = null
  await until(() => (token = loginToken(email)), 20000, 'the login email')
  const { status, body } = await api('POST', '/api/auth/session', { token })
  assert.equal(status, 200)
  return body
}

// Every document the tests make: destroyed at the end, since each one's awareness keeps a timer
// that would hold the test process open.
const docs = []

function provider (doc, token = session.api_token) {
  docs.push(doc)
  const wsBase = base.replace('http://', 'ws://') + '/ws/projects'
  return new WebsocketProvider(wsBase, projectId, doc, {
    WebSocketPolyfill: WebSocket,
    params: { token },
    disableBc: true
  })
}

const synced = (p) => until(() => p.synced, 20000, 'sync')

before(async () => {
  const bin = process.env.AMONT_BIN
  assert.ok(bin, 'set AMONT_BIN to the amont binary (cargo build)')
  dataDir = mkdtempSync(join(tmpdir(), 'amont-node-'))
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  const env = { ...process.env, AMONT_BIND: `127.0.0.1:${port}`, AMONT_DATA_DIR: dataDir }
  delete env.SMTP_URL
  // The server's log is shown only if it fails to start.
  server = spawn(bin, ['serve'], { env, stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  server.stderr.on('data', (chunk) => { log = (log + chunk).slice(-20000) })
  server.on('exit', () => { server.exited = true })
  await until(async () => {
    if (server.exited) assert.fail(`the server exited at start:\n${log}`)
    try { return (await fetch(`${base}/healthz`)).ok } catch { return false }
  }, 120000, 'the server to start')

  const email = `node-${process.pid}-${Date.now()}@example.org`
  session = await logIn(email)
  const token = session.api_token
  orgName = `Centre social Node ${process.pid}-${Date.now()}`
  const org = await api('POST', '/api/organizations', { name: orgName }, token)
  assert.equal(org.status, 201)
  const project = await api('POST', '/api/projects', {
    title: 'Projet Node',
    summary: 'Un brief de départ.',
    initiator_organization_id: org.body.id
  }, token)
  assert.equal(project.status, 201)
  projectId = project.body.id
})

after(async () => {
  for (const doc of docs) doc.destroy()
  if (server && !server.exited) {
    const exited = new Promise((resolve) => server.once('exit', resolve))
    server.kill('SIGTERM')
    const killer = setTimeout(() => server.kill('SIGKILL'), 15000)
    await exited
    clearTimeout(killer)
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

test('two stock y-websocket clients converge on concurrent edits', async () => {
  const doc1 = new Y.Doc()
  const doc2 = new Y.Doc()
  const p1 = provider(doc1)
  const p2 = provider(doc2)
  try {
    await synced(p1)
    await synced(p2)
    assert.equal(doc1.getText('brief').toString(), 'Un brief de départ.')

    const meeting = crypto.randomUUID()
    doc1.getMap('agendas').set(meeting, new Y.Array())
    await until(() => doc2.getMap('agendas').get(meeting) instanceof Y.Array, 20000, 'the agenda')

    for (let i = 0; i < 5; i++) {
      doc1.getText('brief').insert(0, `[un ${i}]`)
      const brief2 = doc2.getText('brief')
      brief2.insert(brief2.length, `[deux ${i}]`)
      for (const [doc, who] of [[doc1, 'un'], [doc2, 'deux']]) {
        const item = new Y.Map()
        item.set('id', crypto.randomUUID())
        item.set('title', new Y.Text(`Point ${who} ${i}`))
        item.set('duration_min', 10)
        doc.getMap('agendas').get(meeting).push([item])
      }
    }
    const converged = (doc) => {
      const text = doc.getText('brief').toString()
      const agenda = doc.getMap('agendas').get(meeting)
      return [0, 1, 2, 3, 4].every((i) => text.includes(`[un ${i}]`) && text.includes(`[deux ${i}]`)) &&
        agenda.length === 10
    }
    await until(() => converged(doc1) && converged(doc2), 20000, 'convergence')
    assert.deepEqual(doc1.getMap('agendas').toJSON(), doc2.getMap('agendas').toJSON())
    assert.equal(doc1.getText('brief').toString(), doc2.getText('brief').toString())

    // The server stored exactly what the browsers show.
    const brief = await api('GET', `/api/projects/${projectId}/brief`, undefined, session.api_token)
    assert.equal(brief.body.text, doc1.getText('brief').toString())
  } finally {
    p1.destroy()
    p2.destroy()
  }
})

test('presence shows who is in the document, as the server knows them', async () => {
  const doc1 = new Y.Doc()
  const doc2 = new Y.Doc()
  const p1 = provider(doc1)
  const p2 = provider(doc2)
  try {
    await synced(p1)
    await synced(p2)
    p1.awareness.setLocalStateField('user', { name: 'Quelqu’un d’autre', color: '#30bced' })
    const me = (await api('GET', '/api/me', undefined, session.api_token)).body
    await until(() => {
      const state = p2.awareness.getStates().get(doc1.clientID)
      return state && state.user && state.user.name === me.user.display_name
    }, 20000, 'the presence of the other client')
    const user = p2.awareness.getStates().get(doc1.clientID).user
    assert.equal(user.organization, orgName)
    assert.equal(user.color, '#30bced')
    // Leaving removes the presence.
    p1.destroy()
    await until(() => !p2.awareness.getStates().has(doc1.clientID), 20000, 'the presence to go')
  } finally {
    p1.destroy()
    p2.destroy()
  }
})

test('an HTTP PUT reaches a live client at once', async () => {
  const doc = new Y.Doc()
  const p = provider(doc)
  try {
    await synced(p)
    const text = 'Réécrit par l’API, vu en direct.'
    const put = await api('PUT', `/api/projects/${projectId}/brief`, { text }, session.api_token)
    assert.equal(put.status, 200)
    await until(() => doc.getText('brief').toString() === text, 20000, 'the HTTP edit')
  } finally {
    p.destroy()
  }
})

test('a wrong token is refused before the upgrade', async () => {
  const url = `${base.replace('http://', 'ws://')}/ws/projects/${projectId}?token=wrong`
  const status = await new Promise((resolve, reject) => {
    const socket = new WebSocket(url)
    socket.on('unexpected-response', (_req, res) => { resolve(res.statusCode); socket.terminate() })
    socket.on('open', () => { socket.close(); reject(new Error('the upgrade was accepted')) })
    socket.on('error', () => {})
  })
  assert.equal(status, 401)
})
