// Identity verification (docs/protocol.md): the app backend, which knows who is logged in, computes
// `userHash` = hex HMAC-SHA256(secret, userId ?? email) and hands it to the page; the relay
// recomputes it, so a visitor cannot write to another person's contact. WebCrypto only, so this
// runs unchanged in Node ≥ 20, Workers, Deno and Bun (and app backends can import it).

export interface Identity {
  userId?: string | null
  email?: string | null
}

const encoder = new TextEncoder()
const keyCache = new Map<string, Promise<CryptoKey>>()

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret)
  if (key === undefined) {
    key = crypto.subtle.importKey(
      'raw',
      encoder.encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    )
    // Relays use one or two secrets; the bound keeps a misuse from growing the cache forever.
    if (keyCache.size >= 8) keyCache.clear()
    keyCache.set(secret, key)
  }
  return key
}

/** The string that gets signed: the userId when there is one, else the email (exactly as sent). */
export function identitySubject(identity: Identity): string | undefined {
  if (typeof identity.userId === 'string' && identity.userId !== '') return identity.userId
  if (typeof identity.email === 'string' && identity.email !== '') return identity.email
  return undefined
}

/**
 * Hex HMAC-SHA256 of the userId (or, without one, the email) under `secret`. Call it in your
 * backend and pass the result to the plugin's `userHash` option. Throws when neither is given.
 */
export async function computeUserHash(secret: string, identity: Identity): Promise<string> {
  const subject = identitySubject(identity)
  if (subject === undefined) throw new TypeError('computeUserHash needs a userId or an email')
  if (secret === '') throw new TypeError('computeUserHash needs a non-empty secret')
  const signature = await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(subject))
  return toHex(new Uint8Array(signature))
}

/** Constant-time check of a client-supplied hash (subtle.verify compares in constant time). */
export async function verifyUserHash(
  secret: string,
  identity: Identity,
  userHash: string,
): Promise<boolean> {
  const subject = identitySubject(identity)
  const bytes = fromHex(userHash)
  if (subject === undefined || bytes === undefined || bytes.length !== 32) return false
  return crypto.subtle.verify('HMAC', await hmacKey(secret), bytes, encoder.encode(subject))
}

function toHex(bytes: Uint8Array): string {
  let out = ''
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0')
  return out
}

function fromHex(hex: string): Uint8Array<ArrayBuffer> | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined
  const bytes = new Uint8Array(hex.length / 2)
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return bytes
}
