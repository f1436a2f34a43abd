// The hono environment every part of the HTTP layer shares: what the server passes in
// (`Bindings`) and what middleware hands on to the batch handler (`Variables`).

export interface RequestInfo {
  /** The peer address when the server knows it (`serveRelay` passes the socket's). */
  clientIp?: string
}

/** Charges the request's client for its messages once they are counted; throws a 429. */
export type ChargeClient = (count: number, anonymousId: unknown) => void

export type RelayEnv = {
  Bindings: RequestInfo
  Variables: {
    /** The request body, read within the byte cap (body-limit middleware). */
    body: Uint8Array
    chargeClient: ChargeClient
  }
}
