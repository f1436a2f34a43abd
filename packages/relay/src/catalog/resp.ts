// A minimal Redis client over node:net: one connection per call, RESP2 commands in a pipeline,
// one reply per command. Enough for `doctor`'s PING and the property-creation lock (SET NX,
// compare-and-delete) without a Redis library; the queue itself uses its own client.
import { connect } from 'node:net'

export type RespReply = string | number | null | RespReply[] | RespError

/** An error reply from Redis (`-ERR …`), or a connection that failed. */
export class RespError extends Error {
  override name = 'RespError'
}

export interface RedisTarget {
  host: string
  port: number
  username?: string
  password?: string
  db?: number
}

/** `redis://[user:password@]host[:port][/db]`; rediss:// (TLS) is refused, not silently downgraded. */
export function parseRedisUrl(url: string): RedisTarget {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new RespError('REDIS_URL is not a URL')
  }
  if (parsed.protocol !== 'redis:') {
    throw new RespError(`REDIS_URL scheme ${parsed.protocol} is not supported here (use redis://)`)
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1'
  const target: RedisTarget = { host, port: parsed.port ? Number(parsed.port) : 6379 }
  if (parsed.username) target.username = decodeURIComponent(parsed.username)
  if (parsed.password) target.password = decodeURIComponent(parsed.password)
  const db = parsed.pathname.replace(/^\//, '')
  if (/^\d+$/.test(db)) target.db = Number(db)
  return target
}

function encode(args: readonly string[]): string {
  let out = `*${args.length}\r\n`
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`
  return out
}

/** Parses one reply from `buf` at `at`; undefined when more bytes are needed. */
function parseReply(buf: Buffer, at: number): [RespReply, number] | undefined {
  const end = buf.indexOf('\r\n', at)
  if (end < 0) return undefined
  const kind = String.fromCharCode(buf[at] as number)
  const line = buf.toString('utf8', at + 1, end)
  const next = end + 2
  switch (kind) {
    case '+':
      return [line, next]
    case '-':
      return [new RespError(line), next]
    case ':':
      return [Number(line), next]
    case '$': {
      const length = Number(line)
      if (length < 0) return [null, next]
      if (buf.length < next + length + 2) return undefined
      return [buf.toString('utf8', next, next + length), next + length + 2]
    }
    case '*': {
      const count = Number(line)
      if (count < 0) return [null, next]
      const items: RespReply[] = []
      let pos = next
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, pos)
        if (!item) return undefined
        items.push(item[0])
        pos = item[1]
      }
      return [items, pos]
    }
    default:
      throw new RespError(`unexpected reply type ${JSON.stringify(kind)}`)
  }
}

/**
 * Sends the commands (after AUTH / SELECT from the target) and resolves their replies in order.
 * Rejects with RespError on a connection failure or timeout; error replies come back as values.
 */
export function redisCommands(
  target: RedisTarget,
  commands: ReadonlyArray<readonly string[]>,
  timeoutMs = 2000,
): Promise<RespReply[]> {
  const setup: string[][] = []
  if (target.password !== undefined) {
    setup.push(
      target.username !== undefined
        ? ['AUTH', target.username, target.password]
        : ['AUTH', target.password],
    )
  }
  if (target.db !== undefined) setup.push(['SELECT', String(target.db)])
  const all = [...setup, ...commands]
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port })
    let buf = Buffer.alloc(0)
    const replies: RespReply[] = []
    let done = false
    const finish = (error?: Error) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      if (error) reject(error)
      else {
        const failed = replies.slice(0, setup.length).find((r) => r instanceof RespError)
        if (failed) reject(failed)
        else resolve(replies.slice(setup.length))
      }
    }
    const timer = setTimeout(
      () => finish(new RespError(`no answer from Redis within ${timeoutMs} ms`)),
      timeoutMs,
    )
    socket.once('error', (error: NodeJS.ErrnoException) =>
      finish(new RespError(`could not reach Redis (${error.code ?? error.name})`)),
    )
    socket.once('close', () => finish(new RespError('Redis closed the connection')))
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      let at = 0
      try {
        for (let reply = parseReply(buf, at); reply; reply = parseReply(buf, at)) {
          replies.push(reply[0])
          at = reply[1]
        }
      } catch (error) {
        return finish(error as Error)
      }
      buf = buf.subarray(at)
      if (replies.length >= all.length) finish()
    })
    socket.write(all.map(encode).join(''))
  })
}
