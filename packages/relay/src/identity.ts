// Identity verification, v1. The app's server, which knows who is signed in, signs that person's
// identity — userId AND email, exactly as the page will send them — and hands the hash to the
// page (the plugins' `userHash` option); the relay recomputes it for every message. So a visitor
// can write only to the contact their own server signed for: not another userId, not another
// email beside their own userId, and a hash made for one field is never valid for the other.
//
//   userHash = lowercase hex HMAC-SHA256(key = secret as UTF-8,
//                                        message = "v1\n" + (userId ?? "") + "\n" + (email ?? ""))
//
// The wire side of this is in docs/protocol.md (Identity verification).
// WebCrypto only, so this runs unchanged in Node ≥ 20, Workers, Deno and Bun, and app backends
// import `signIdentity` from '@loops-cdp/relay' wherever they run.

export interface Identity {
  userId?: string | null | undefined
  email?: string | null | undefined
}

const VERSION = 'v1'
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

const field = (value: string | null | undefined) => (typeof value === 'string' ? value : '')

/** A field with a newline could pass for two fields; such an identity is never signed or valid. */
export function hasSignableFields(identity: Identity): boolean {
  return !field(identity.userId).includes('\n') && !field(identity.email).includes('\n')
}

/** The exact bytes that are signed: fixed order, no newline inside a field (see above). */
export function identityMessage(identity: Identity): Uint8Array<ArrayBuffer> {
  return encoder.encode(`${VERSION}\n${field(identity.userId)}\n${field(identity.email)}`)
}

/**
 * The `userHash` for an identity: call it on your server for the signed-in user and pass the
 * result to the page (the plugins' `userHash` option). Give userId and email exactly as the page
 * sends them; leave out (or pass `undefined`) a field the page does not send.
 *
 * @throws TypeError when the secret is empty or neither userId nor email is given.
 */
export async function signIdentity(secret: string, identity: Identity): Promise<string> {
  if (typeof secret !== 'string' || secret === '') {
    throw new TypeError('signIdentity needs a non-empty secret (RELAY_IDENTITY_SECRET)')
  }
  if (field(identity.userId) === '' && field(identity.email) === '') {
    throw new TypeError('signIdentity needs a userId or an email')
  }
  if (!hasSignableFields(identity)) {
    throw new TypeError('signIdentity: userId and email cannot contain a newline')
  }
  const signature = await crypto.subtle.sign(
    'HMAC',
    await hmacKey(secret),
    identityMessage(identity),
  )
  return toHex(new Uint8Array(signature))
}

/**
 * True when `userHash` is the v1 hash of exactly this userId and email. The comparison is
 * WebCrypto's `verify`, which is constant-time.
 */
export async function verifyIdentity(
  secret: string,
  identity: Identity,
  userHash: string,
): Promise<boolean> {
  const bytes = fromHex(userHash)
  if (!hasSignableFields(identity)) return false
  if (bytes === undefined || bytes.length !== 32) return false
  return crypto.subtle.verify('HMAC', await hmacKey(secret), bytes, identityMessage(identity))
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
