// The stock browser stack — `yjs` with the `y-websocket` provider — against Amont's live
// document, with no custom client code: the same provider a browser uses, on Node through the
// `ws` polyfill.
//
// The test starts the real server (`AMONT_BIN`, built by `cargo build`) on a free port, with a
// database of its own (created on the admin URL `DATABASE_URL` and dropped at the end) or its
// own private PostgreSQL cluster without one (`server.js`), logs in through the
// real magic-link flow (the email is read from the server's .eml drop), and stops the server
// (SIGTERM, then SIGKILL if it lingers) when done.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { startServer, until } from './server.js'

let server
let base
let api
let session
let projectId
let orgName

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
  // Its own database on DATABASE_URL (or its own private cluster), dropped at the end.
  server = await startServer()
  base = server.base
  api = server.api
  const email = `node-${process.pid}-${Date.now()}@example.org`
  session = await server.logIn(email)
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
  if (server) await server.stop()
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

test('a document larger than one frame reaches a stock client whole (continuation frames)', async () => {
  // The server sends a message between 6,000 bytes and 128 KiB as several websocket frames;
  // the stock provider must receive it as one message.
  const text = 'Une ligne du brief, assez longue pour dépasser une trame. '.repeat(600)
  assert.ok(Buffer.byteLength(text) > 30000)
  const put = await api('PUT', `/api/projects/${projectId}/brief`, { text }, session.api_token)
  assert.equal(put.status, 200)
  const doc = new Y.Doc()
  const p = provider(doc)
  try {
    await synced(p)
    assert.equal(doc.getText('brief').toString(), text)
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
