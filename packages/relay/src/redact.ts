// Removes a secret from a text before anything else is done with the text (cut, logged, stored,
// answered). Not only the whole secret: any run of SECRET_RUN or more characters taken from it, so
// a proxy that echoes a truncated `Authorization` header, or a text cut in the middle of the key,
// leaks no usable part of it either.

/** Shortest piece of a secret that is removed on its own. */
export const SECRET_RUN = 8

export const REDACTED = '[redacted]'

/**
 * `text` with every occurrence of `secret`, and of every SECRET_RUN-character piece of it,
 * replaced by one `[redacted]` per run. Secrets shorter than SECRET_RUN are removed whole only.
 */
export function redactSecret(text: string, secret: string | undefined): string {
  if (!secret || text === '') return text
  if (secret.length < SECRET_RUN) return text.split(secret).join(REDACTED)
  const pieces = new Set<string>()
  for (let i = 0; i + SECRET_RUN <= secret.length; i++) pieces.add(secret.slice(i, i + SECRET_RUN))
  // Mark every character covered by a piece; overlapping pieces join into one run.
  const covered = new Uint8Array(text.length)
  let any = false
  for (let i = 0; i + SECRET_RUN <= text.length; i++) {
    if (!pieces.has(text.slice(i, i + SECRET_RUN))) continue
    covered.fill(1, i, i + SECRET_RUN)
    any = true
  }
  if (!any) return text
  let out = ''
  for (let i = 0; i < text.length; i++) {
    if (covered[i] === 0) out += text[i]
    else if (i === 0 || covered[i - 1] === 0) out += REDACTED
  }
  return out
}
