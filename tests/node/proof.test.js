// Proof of consent checked by an independent JOSE implementation: Node's `jose` (panva), with
// nothing of Amont's code, verifies the real server's receipts and attestation with the key set
// it publishes, and rejects tampered ones, another key's, and a `kid` not in the set. The server's
// own verification page is asked about the same link: valid, then the change after a withdrawal,
// then 410 once revoked, 404 for an unknown link.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'

import {
  CompactSign,
  calculateJwkThumbprint,
  compactVerify,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  jwtVerify
} from 'jose'

import { startServer } from './server.js'

let server
let initiator
let partner
let projectId
let partnerOrg
const receipts = {}
let attestation

const stamp = `${process.pid}-${Date.now()}`

before(async () => {
  server = await startServer()
  const { api } = server
  initiator = await server.logIn(`initiatrice-${stamp}@example.org`)
  const org = await api('POST', '/api/organizations', { name: `MJC Node ${stamp}` }, initiator.api_token)
  assert.equal(org.status, 201)
  const project = await api('POST', '/api/projects', {
    title: 'Accueil jeunes (Node)',
    summary: 'Un brief.',
    initiator_organization_id: org.body.id
  }, initiator.api_token)
  assert.equal(project.status, 201)
  projectId = project.body.id

  // A partner consulted by email; its contact becomes the first admin of the new organization.
  const contact = `referente-${stamp}@example.org`
  const invited = await api('POST', `/api/projects/${projectId}/partners`, {
    organization_name: `CAF Node ${stamp}`,
    contact_email: contact
  }, initiator.api_token)
  assert.equal(invited.status, 201, JSON.stringify(invited.body))
  partnerOrg = invited.body.organization_id
  partner = await server.logInWithEmailedLink(contact)

  const accepted = await api('POST', `/api/projects/${projectId}/partners/${partnerOrg}/answer`,
    { decision: 'accept' }, partner.api_token)
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body))
  receipts.acceptance = accepted.body.receipt

  const mission = `/api/projects/${projectId}/missions/${partnerOrg}`
  const written = await api('PUT', mission, { text: 'Cofinancer l’accueil.' }, partner.api_token)
  assert.equal(written.status, 200)
  const agreed = await api('POST', `${mission}/agreement`,
    { content_hash: written.body.content_hash, decision: 'agree' }, partner.api_token)
  assert.equal(agreed.status, 201, JSON.stringify(agreed.body))
  receipts.mission = agreed.body.receipt
  receipts.missionHash = written.body.content_hash

  const attested = await api('POST', `/api/projects/${projectId}/attestations`, {}, initiator.api_token)
  assert.equal(attested.status, 201, JSON.stringify(attested.body))
  attestation = attested.body
})

after(async () => {
  if (server) await server.stop()
})

async function keySet () {
  const response = await fetch(`${server.base}/.well-known/jwks.json`)
  assert.equal(response.status, 200)
  return response.json()
}

/** One byte of part `index` (1 payload, 2 signature) changed, still base64url. */
function tamper (jws, index) {
  const parts = jws.split('.')
  const bytes = Buffer.from(parts[index], 'base64url')
  bytes[Math.floor(bytes.length / 2)] ^= 0x01
  parts[index] = bytes.toString('base64url')
  return parts.join('.')
}

const decoder = new TextDecoder()

async function verified (jws, keys) {
  const { payload, protectedHeader } = await compactVerify(jws, keys, { algorithms: ['EdDSA'] })
  return { header: protectedHeader, claims: JSON.parse(decoder.decode(payload)) }
}

test('the published keys are Ed25519 JWKs whose kid is their RFC 7638 thumbprint', async () => {
  const { keys } = await keySet()
  assert.ok(keys.length >= 1)
  for (const jwk of keys) {
    assert.equal(jwk.kty, 'OKP')
    assert.equal(jwk.crv, 'Ed25519')
    assert.equal(jwk.d, undefined, 'no private part')
    assert.equal(jwk.kid, await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }))
  }
})

test('jose verifies each receipt with the published key set and reads what it says', async () => {
  const keys = createLocalJWKSet(await keySet())
  const acceptance = await verified(receipts.acceptance, keys)
  assert.equal(acceptance.header.alg, 'EdDSA')
  assert.equal(acceptance.claims.kind, 'partnership.accepted')
  assert.equal(acceptance.claims.iss, server.base)
  assert.equal(acceptance.claims.project.id, projectId)
  assert.equal(acceptance.claims.organization.id, partnerOrg)
  assert.equal(acceptance.claims.by.user_id, partner.user.id)
  assert.equal(acceptance.claims.decision, 'accept')
  const mission = await verified(receipts.mission, keys)
  assert.equal(mission.claims.kind, 'mission.agreed')
  assert.equal(mission.claims.content_hash, receipts.missionHash)
  assert.equal(mission.claims.decision, 'agree')
  // As JWTs too: issuer checked, no expiry required.
  const { payload } = await jwtVerify(receipts.mission, keys, { issuer: server.base, algorithms: ['EdDSA'] })
  assert.equal(payload.jti, mission.claims.jti)
  assert.ok(!JSON.stringify([acceptance.claims, mission.claims]).includes('@'), 'no address in a receipt')
})

test('jose verifies the attestation and every receipt it carries', async () => {
  const keys = createLocalJWKSet(await keySet())
  const { claims } = await verified(attestation.jws, keys)
  assert.equal(claims.kind, 'sheet.attested')
  assert.equal(claims.url, attestation.url)
  assert.equal(claims.project.id, projectId)
  assert.equal(claims.partners.length, 2)
  const carried = claims.partners.flatMap((p) => p.receipts)
  assert.ok(carried.includes(receipts.acceptance) && carried.includes(receipts.mission))
  for (const jws of carried) {
    const receipt = await verified(jws, keys)
    assert.equal(receipt.claims.project.id, projectId)
  }
})

test('jose rejects a tampered payload or signature, another key, and a kid not in the set', async () => {
  const keys = createLocalJWKSet(await keySet())
  for (const jws of [receipts.mission, attestation.jws]) {
    await assert.rejects(verified(tamper(jws, 1), keys), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' })
    await assert.rejects(verified(tamper(jws, 2), keys), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' })
  }
  // Another key, under its own kid: not in the set.
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
  const theirs = await calculateJwkThumbprint(await exportJWK(publicKey))
  const payload = receipts.mission.split('.')[1]
  const bytes = Buffer.from(payload, 'base64url')
  const forged = await new CompactSign(bytes).setProtectedHeader({ alg: 'EdDSA', kid: theirs }).sign(privateKey)
  await assert.rejects(verified(forged, keys), { code: 'ERR_JWKS_NO_MATCHING_KEY' })
  // Another key posing under our kid: the signature does not match.
  const ours = JSON.parse(Buffer.from(receipts.mission.split('.')[0], 'base64url')).kid
  const posing = await new CompactSign(bytes).setProtectedHeader({ alg: 'EdDSA', kid: ours }).sign(privateKey)
  await assert.rejects(verified(posing, keys), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' })
  // A kid the set does not have.
  const unknown = await new CompactSign(bytes).setProtectedHeader({ alg: 'EdDSA', kid: 'not-in-the-set' }).sign(privateKey)
  await assert.rejects(verified(unknown, keys), { code: 'ERR_JWKS_NO_MATCHING_KEY' })
})

test('the verification page agrees, then shows the withdrawal, then is gone once revoked', async () => {
  const json = async (url) => {
    const response = await fetch(`${url}?format=json`)
    return { status: response.status, body: await response.json() }
  }
  let { status, body } = await json(attestation.url)
  assert.equal(status, 200)
  assert.equal(body.jws, attestation.jws)
  assert.equal(body.signature_valid, true)
  assert.ok(body.consents.length >= 3 && body.consents.every((c) => c.still_valid), JSON.stringify(body))

  const withdrawn = await server.api('POST', `/api/projects/${projectId}/partners/${partnerOrg}/withdraw`, {}, initiator.api_token)
  assert.equal(withdrawn.status, 200)
  ;({ body } = await json(attestation.url))
  assert.equal(body.signature_valid, true)
  for (const consent of body.consents.filter((c) => c.organization_id === partnerOrg)) {
    assert.equal(consent.still_valid, false)
    assert.equal(consent.reason, 'withdrawn')
    assert.equal(consent.changed_at, withdrawn.body.answered_at)
  }

  const revoked = await server.api('DELETE', `/api/attestations/${attestation.id}`, undefined, initiator.api_token)
  assert.equal(revoked.status, 204)
  ;({ status, body } = await json(attestation.url))
  assert.equal(status, 410)
  assert.equal(body.error, 'gone')
  ;({ status, body } = await json(`${server.base}/verify/AAAAAAAAAAAAAAAAAAAAAAAA`))
  assert.equal(status, 404)
  assert.equal(body.error, 'not_found')
})
