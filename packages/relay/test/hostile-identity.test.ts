// Hostile suite, identity: a visitor who holds a valid hash for their own identity tries to write
// to someone else's contact. createRelay served on a loopback port, the real emulator behind it;
// every test checks what reached "Loops", not only the relay's answer.
import { createHmac } from 'node:crypto'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { signIdentity, verifyIdentity } from '../src/identity'
import { contact, emulator, event, post, relayFor, served, type TestEmulator } from './http-harness'

const SECRET = 'identity-secret-shared-with-the-backend'
let emu: TestEmulator
let url: string
let metricsOf: () => Promise<string>

beforeAll(async () => {
  emu = await emulator()
  const served_ = await served(relayFor(emu, { identitySecret: SECRET, metrics: true }).relay)
  url = served_.url
  metricsOf = async () => (await fetch(`${url}/metrics`)).text()
})
beforeEach(() => emu.reset())

interface Answer {
  accepted: number
  rejected: Array<{ index: number; messageId?: string; error: string }>
}

/** The v1 hash as the README documents it, computed with node:crypto (not the relay's code). */
const documentedHash = (userId: string | undefined, email: string | undefined) =>
  createHmac('sha256', SECRET)
    .update(`v1\n${userId ?? ''}\n${email ?? ''}`, 'utf8')
    .digest('hex')

async function send(batch: unknown[]): Promise<Answer> {
  const res = await post(url, { batch })
  expect(res.status).toBe(200)
  return (await res.json()) as Answer
}

/** Nothing of the victim reached Loops: no contact, no event, no API call naming them. */
async function nothingReached(victim: string) {
  expect((await emu.contacts()).filter((c) => c.email === victim || c.userId === victim)).toEqual(
    [],
  )
  expect((await emu.events()).filter((e) => e.email === victim || e.userId === victim)).toEqual([])
  for (const r of await emu.requests()) expect(JSON.stringify(r.body)).not.toContain(victim)
}

describe('signIdentity (v1)', () => {
  it('is the lowercase hex HMAC-SHA256 of "v1\\n" + userId + "\\n" + email, absent = empty', async () => {
    expect(await signIdentity(SECRET, { userId: 'u1', email: 'a@b.co' })).toBe(
      documentedHash('u1', 'a@b.co'),
    )
    expect(await signIdentity(SECRET, { userId: 'u1' })).toBe(documentedHash('u1', undefined))
    expect(await signIdentity(SECRET, { email: 'a@b.co', userId: null })).toBe(
      documentedHash(undefined, 'a@b.co'),
    )
    expect(await signIdentity(SECRET, { userId: 'u1' })).toMatch(/^[0-9a-f]{64}$/)
    // UTF-8 for both the key and the fields.
    expect(await signIdentity('ключ-секрет-длинный', { userId: 'ünïcode' })).toBe(
      createHmac('sha256', Buffer.from('ключ-секрет-длинный', 'utf8'))
        .update('v1\nünïcode\n', 'utf8')
        .digest('hex'),
    )
  })

  it('refuses an empty secret, an empty identity and a newline inside a field', async () => {
    await expect(signIdentity('', { userId: 'u1' })).rejects.toThrow(TypeError)
    await expect(signIdentity(SECRET, {})).rejects.toThrow(TypeError)
    await expect(signIdentity(SECRET, { userId: 'u1\n', email: 'x' })).rejects.toThrow(/newline/)
  })

  it('a userId with a newline cannot pass for a userId plus an email', async () => {
    // "v1\na\nb@c.co" is also what userId "a" + email "b@c.co" signs.
    const hash = await signIdentity(SECRET, { userId: 'a', email: 'b@c.co' })
    expect(await verifyIdentity(SECRET, { userId: 'a\nb@c.co' }, hash)).toBe(false)
    expect(await verifyIdentity(SECRET, { userId: 'a', email: 'b@c.co' }, hash)).toBe(true)
  })
})

describe('hostile: identity verification (RELAY_IDENTITY_SECRET set)', () => {
  it('delivers a message whose userId and email are both signed', async () => {
    const userHash = await signIdentity(SECRET, { userId: 'user-1', email: 'me@example.com' })
    const answer = await send([
      contact('own-contact', { userId: 'user-1', email: 'me@example.com', userHash }),
      event('own-event', { userId: 'user-1', email: 'me@example.com', userHash }),
    ])
    expect(answer).toEqual({ accepted: 2, rejected: [] })
    expect((await emu.contacts()).map((c) => [c.userId, c.email])).toEqual([
      ['user-1', 'me@example.com'],
    ])
    expect((await emu.events()).map((e) => e.idempotencyKey)).toEqual(['own-event'])
    // userHash proves identity to the relay only: Loops never sees it.
    for (const r of await emu.requests()) expect(JSON.stringify(r.body)).not.toContain(userHash)
  })

  it('email beside a validly signed userId is rejected', async () => {
    // The attacker's own server signed user-evil (with no email); they add the victim's email.
    const userHash = await signIdentity(SECRET, { userId: 'user-evil' })
    const signedWithOwnEmail = await signIdentity(SECRET, {
      userId: 'user-evil',
      email: 'evil@example.com',
    })
    const answer = await send([
      contact('rename', {
        userId: 'user-evil',
        email: 'victim@example.com',
        userHash,
        properties: { firstName: 'Pwned' },
      }),
      contact('unsubscribe', {
        userId: 'user-evil',
        email: 'victim@example.com',
        userHash: signedWithOwnEmail,
        subscribed: false,
      }),
      event('send-mail', { userId: 'user-evil', email: 'victim@example.com', userHash }),
    ])
    expect(answer.accepted).toBe(0)
    expect(answer.rejected).toEqual([
      { index: 0, messageId: 'rename', error: 'userHash does not match this userId and email' },
      {
        index: 1,
        messageId: 'unsubscribe',
        error: 'userHash does not match this userId and email',
      },
      { index: 2, messageId: 'send-mail', error: 'userHash does not match this userId and email' },
    ])
    await nothingReached('victim@example.com')
    expect(await emu.requests()).toEqual([])
  })

  it("a hash of one's own email is not valid as a userId", async () => {
    const ownEmailHash = await signIdentity(SECRET, { email: 'me@example.com' })
    const answer = await send([
      // The email's hash offered for a userId equal to that email string…
      contact('as-user-id', { userId: 'me@example.com', email: undefined, userHash: ownEmailHash }),
      // …or for the email with some other person's userId beside it.
      event('beside-user-id', {
        userId: 'victim-id',
        email: 'me@example.com',
        userHash: ownEmailHash,
      }),
    ])
    expect(answer.accepted).toBe(0)
    expect(answer.rejected.map((r) => r.messageId)).toEqual(['as-user-id', 'beside-user-id'])
    await nothingReached('victim-id')
    expect(await emu.requests()).toEqual([])
  })

  it("another user's hash, a made-up hash and a missing hash are rejected", async () => {
    const someoneElse = await signIdentity(SECRET, { userId: 'user-2', email: 'two@example.com' })
    const answer = await send([
      contact('other', { userId: 'user-3', email: 'victim@example.com', userHash: someoneElse }),
      contact('made-up', { email: 'victim@example.com', userHash: 'ab'.repeat(32) }),
      contact('not-hex', { email: 'victim@example.com', userHash: 'zz'.repeat(32) }),
      contact('short', { email: 'victim@example.com', userHash: someoneElse.slice(0, 32) }),
      contact('missing', { email: 'victim@example.com' }),
    ])
    expect(answer.accepted).toBe(0)
    expect(answer.rejected.map((r) => r.error)).toEqual([
      'userHash does not match this userId and email',
      'userHash does not match this userId and email',
      'userHash does not match this userId and email',
      'userHash does not match this userId and email',
      'userHash is required',
    ])
    await nothingReached('victim@example.com')
  })

  it('a valid hash in upper case still verifies (same bytes), and rejections count as identity', async () => {
    const userHash = await signIdentity(SECRET, { email: 'upper@example.com' })
    const answer = await send([
      event('upper', { email: 'upper@example.com', userHash: userHash.toUpperCase() }),
      event('forged', { email: 'victim@example.com', userHash }),
    ])
    expect(answer.accepted).toBe(1)
    expect(await metricsOf()).toMatch(
      /loops_relay_messages_rejected_total\{reason="identity"\} \d+/,
    )
  })

  it('does not check hashes when no secret is set (emulator only)', async () => {
    const open = (await served(relayFor(emu).relay)).url
    const res = await post(open, { batch: [contact('free', { userHash: 'anything' })] })
    expect(await res.json()).toEqual({ accepted: 1, rejected: [] })
  })
})
