// Identity verification over real HTTP: createRelay served on a loopback port, the real emulator
// behind it. With a secret set, only messages whose userHash matches reach Loops.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { computeUserHash, verifyUserHash } from '../src/identity'
import { contact, emulator, event, post, relayFor, served, type TestEmulator } from './http-harness'

const SECRET = 'identity-secret-shared-with-the-backend'
let emu: TestEmulator
let url: string

beforeAll(async () => {
  emu = await emulator()
  url = (await served(relayFor(emu, { identitySecret: SECRET }).relay)).url
})
beforeEach(() => emu.reset())

interface Answer {
  accepted: number
  rejected: Array<{ index: number; messageId?: string; error: string }>
}

describe('computeUserHash', () => {
  it('is the hex HMAC-SHA256 of the userId, else of the email', async () => {
    const { createHmac } = await import('node:crypto')
    const hmac = (s: string) => createHmac('sha256', SECRET).update(s).digest('hex')
    expect(await computeUserHash(SECRET, { userId: 'u1', email: 'a@b.co' })).toBe(hmac('u1'))
    expect(await computeUserHash(SECRET, { email: 'a@b.co' })).toBe(hmac('a@b.co'))
    expect(await verifyUserHash(SECRET, { userId: 'u1' }, hmac('u1').toUpperCase())).toBe(true)
    expect(await verifyUserHash(SECRET, { userId: 'u1' }, hmac('u2'))).toBe(false)
    await expect(computeUserHash(SECRET, {})).rejects.toThrow(TypeError)
  })
})

describe('identity verification (RELAY_IDENTITY_SECRET set)', () => {
  it('delivers messages with a matching userHash and rejects the rest, per message', async () => {
    const good = await computeUserHash(SECRET, { userId: 'user-1' })
    const emailOnly = await computeUserHash(SECRET, { email: 'solo@example.com' })
    const res = await post(url, {
      batch: [
        contact('ok-user', { userId: 'user-1', userHash: good, properties: { plan: 'pro' } }),
        event('ok-email', { email: 'solo@example.com', userHash: emailOnly }),
        contact('no-hash', { userId: 'user-1' }),
        // The hash of user-1 cannot write to user-2's contact.
        contact('other-user', { userId: 'user-2', userHash: good }),
        // With a userId, the hash must be of the userId, not of the email.
        event('email-hash-with-user', {
          userId: 'user-3',
          email: 'solo@example.com',
          userHash: emailOnly,
        }),
        contact('garbage-hash', { userId: 'user-1', userHash: 'zz'.repeat(32) }),
      ],
    })
    expect(res.status).toBe(200)
    const answer = (await res.json()) as Answer
    expect(answer.accepted).toBe(2)
    expect(answer.rejected).toEqual([
      { index: 2, messageId: 'no-hash', error: 'userHash is required' },
      { index: 3, messageId: 'other-user', error: 'userHash does not match' },
      { index: 4, messageId: 'email-hash-with-user', error: 'userHash does not match' },
      { index: 5, messageId: 'garbage-hash', error: 'userHash does not match' },
    ])

    const contacts = await emu.contacts()
    expect(contacts.map((c) => c.userId ?? c.email).sort()).toEqual(['solo@example.com', 'user-1'])
    expect((await emu.events()).map((e) => e.idempotencyKey)).toEqual(['ok-email'])
    // userHash proves identity to the relay only: Loops never sees it.
    for (const r of await emu.requests()) expect(JSON.stringify(r.body)).not.toContain(good)
  })

  it('does not check hashes when no secret is set', async () => {
    const open = (await served(relayFor(emu).relay)).url
    const res = await post(open, { batch: [contact('free', { userHash: 'anything' })] })
    expect(await res.json()).toEqual({ accepted: 1, rejected: [] })
  })
})
