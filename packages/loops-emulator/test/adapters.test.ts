import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { createEmulator } from '../src/index.js'

describe('mounting the emulator', () => {
  it('serves through its Node request listener in a server the caller owns', async () => {
    const emulator = createEmulator({ rateLimit: 0 })
    const server = createServer(emulator.handle)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as AddressInfo
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/contacts/update`, {
        method: 'PUT',
        headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ana@example.com' }),
      })
      expect(res.status).toBe(200)
      expect(emulator.state.contactList()).toEqual([
        expect.objectContaining({ email: 'ana@example.com' }),
      ])
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('answers web-standard Requests through fetch()', async () => {
    const emulator = createEmulator({ apiKey: 'k', teamName: 'Edge team' })
    const res = await emulator.fetch(
      new Request('http://emulator.local/api/v1/api-key', {
        headers: { authorization: 'Bearer k' },
      }),
    )
    expect(res.status).toBe(200)
    expect(res.headers.get('x-ratelimit-limit')).toBe('10')
    expect(await res.json()).toEqual({ success: true, teamName: 'Edge team' })
    const page = await emulator.fetch(new Request('http://emulator.local/'))
    expect(await page.text()).toContain('id="contacts"')
  })

  it('answers 413 for a body over 4 MB', async () => {
    const emulator = createEmulator({ rateLimit: 0 })
    const running = await emulator.listen(0)
    try {
      const res = await fetch(`${running.apiUrl}/v1/transactional`, {
        method: 'POST',
        headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
        body: JSON.stringify({ data: 'x'.repeat(4 * 1024 * 1024) }),
      })
      expect(res.status).toBe(413)
      expect(await res.json()).toEqual({ success: false, message: 'Request body too large.' })
    } finally {
      await running.close()
    }
  })
})
