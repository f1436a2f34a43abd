// A stand-in that takes over the example server's port while it is "down for maintenance":
// every request gets 503 + Retry-After, and the relay batches it receives are recorded, so a
// test can see that a page (even one that is closing) really tried to deliver.
import { createServer, type Server } from 'node:http'
import { closeServer, readBody } from './http'

export class MaintenanceServer {
  /** Bodies of the `POST …/v1/batch` requests answered with 503. */
  readonly batches: string[] = []

  private constructor(private readonly server: Server) {}

  static async listen(port: number): Promise<MaintenanceServer> {
    const server = createServer()
    const maintenance = new MaintenanceServer(server)
    server.on('request', async (req, res) => {
      const body = await readBody(req)
      if (req.method === 'POST' && req.url?.endsWith('/v1/batch')) maintenance.batches.push(body)
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' })
      res.end('{"error":"down for maintenance"}')
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', resolve)
    })
    return maintenance
  }

  /** How many recorded batches carry an event with this name. */
  attempts(eventName: string): number {
    return this.batches.filter((b) => b.includes(`"eventName":${JSON.stringify(eventName)}`)).length
  }

  close(): Promise<void> {
    return closeServer(this.server)
  }
}
