// Hostile suite, oracles: what the relay's answers tell a stranger about the audience. Loops'
// refusal texts say whether a person is in it ("Contact not found.", "Multiple contacts found
// …"), so the browser gets the status only; the detail stays in the log and the dead letters.
// Also: a messageId reused by another identity must not make the relay drop that message.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../src/delivery/sqlite-store'
import {
  contact,
  emulator,
  event,
  onCleanup,
  post,
  relayFor,
  served,
  type TestEmulator,
  tempDir,
  waitFor,
} from './http-harness'

let emu: TestEmulator
beforeAll(async () => {
  emu = await emulator()
})
beforeEach(() => emu.reset())

interface Answer {
  accepted: number
  rejected: Array<{ index: number; messageId?: string; error: string }>
}

/** An event about a userId Loops does not know (no email): Loops answers 400 "Contact not found." */
const probe = (messageId: string, userId: string) =>
  event(messageId, { email: undefined, userId, eventName: 'Probe' })

describe('hostile: Loops refusal texts (direct mode)', () => {
  it("Loops' 'Contact not found' text does not reach the browser", async () => {
    const { relay, logs } = relayFor(emu)
    const { url } = await served(relay)
    const res = await post(url, { batch: [probe('who-is-there', 'maybe-a-customer')] })
    const text = await res.text()
    expect(res.status).toBe(200)
    expect(JSON.parse(text) as Answer).toEqual({
      accepted: 0,
      rejected: [{ index: 0, messageId: 'who-is-there', error: 'rejected by Loops (400)' }],
    })
    expect(text).not.toMatch(/not found/i)
    // Loops did say it, and the operator can read it.
    const calls = (await emu.requests()).filter((r) => r.path === '/api/v1/events/send')
    expect(calls.map((r) => r.status)).toEqual([400])
    expect(logs).toContainEqual(
      expect.objectContaining({
        outcome: 'dead-lettered',
        messageId: 'who-is-there',
        reason: expect.stringMatching(/Contact not found/),
      }),
    )
  })

  it("Loops' 'Multiple contacts found' text does not reach the browser", async () => {
    const { relay } = relayFor(emu)
    const { url } = await served(relay)
    await post(url, {
      batch: [
        contact('a', { email: 'a@example.com', userId: 'user-a' }),
        contact('b', { email: 'b@example.com' }),
      ],
    })
    // Is b@example.com a different person than user-a? Loops would say so; the relay does not.
    const res = await post(url, {
      batch: [event('pair', { userId: 'user-a', email: 'b@example.com' })],
    })
    const text = await res.text()
    expect(JSON.parse(text) as Answer).toMatchObject({
      rejected: [{ messageId: 'pair', error: 'rejected by Loops (400)' }],
    })
    expect(text).not.toMatch(/multiple|contacts found/i)
  })
})

describe('hostile: Loops refusal texts (queue mode)', () => {
  it('the browser gets 202; the refusal text is only in the dead letters and the log', async () => {
    const dataDir = tempDir()
    const { relay, logs } = relayFor(emu, { mode: 'queue', dataDir })
    const { url } = await served(relay)
    const res = await post(url, { batch: [probe('queued-probe', 'maybe-a-customer')] })
    expect(res.status).toBe(202)
    const text = await res.text()
    expect(text).not.toMatch(/not found/i)
    await waitFor(() => logs.some((l) => l.outcome === 'dead-lettered'), 'dead letter written')
    await relay.stop()
    const store = openSqliteStore({ dataDir })
    onCleanup(() => store.close())
    const [dead] = await store.deadLetters()
    expect(dead).toMatchObject({ messageId: 'queued-probe', status: 400 })
    expect(dead?.reason).toMatch(/Contact not found/)
  })

  it('a messageId reused by another identity does not suppress that client’s message', async () => {
    const { relay, logs } = relayFor(emu, { mode: 'queue', dataDir: tempDir() })
    const { url } = await served(relay)
    const skipped = () => logs.filter((l) => l.msg === 'duplicate skipped').length
    // Client A's update, then client B sends its own update under the same messageId (by
    // accident or to suppress it): both are accepted and both reach Loops.
    await post(url, {
      batch: [contact('shared-id', { email: 'a@example.com', properties: { plan: 'a' } })],
    })
    await waitFor(
      async () => (await emu.contacts()).some((c) => c.email === 'a@example.com'),
      'A delivered',
    )
    const res = await post(url, {
      batch: [contact('shared-id', { email: 'b@example.com', properties: { plan: 'b' } })],
    })
    expect(await res.json()).toEqual({ accepted: 1, rejected: [] })
    expect(skipped()).toBe(0)
    await waitFor(
      async () => (await emu.contacts()).some((c) => c.email === 'b@example.com'),
      'B delivered',
    )
    expect((await emu.contacts()).find((c) => c.email === 'b@example.com')?.plan).toBe('b')
    // A's own re-send of the same message is still recognised as a duplicate (decided on ingest).
    await post(url, {
      batch: [contact('shared-id', { email: 'a@example.com', properties: { plan: 'a' } })],
    })
    expect(skipped()).toBe(1)
    const updates = (await emu.requests()).filter((r) => r.path === '/api/v1/contacts/update')
    expect(updates.map((r) => r.body?.email)).toEqual(['a@example.com', 'b@example.com'])
  })
})
