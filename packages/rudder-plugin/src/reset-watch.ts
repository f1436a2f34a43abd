import type { KeyValueStorage } from '@loops-cdp/core'

/**
 * RudderStack does not tell integrations about `reset()`. It shows in the events, though: the
 * userId disappears (`reset()`) or the anonymousId changes (`reset(true)`); a userId appearing
 * (anonymous → identified) is not a reset. The last pair seen is kept in storage so that a logout
 * on one page is still noticed on the next one. Returns true when the identity was reset.
 */
export function createResetWatch(storage: KeyValueStorage, key: string) {
  let last = storage.getItem(key)
  return (anonymousId: string, userId: string): boolean => {
    const seen = `${anonymousId}\n${userId}`
    if (seen === last) return false
    const [prevAnonymous, prevUser] = (last ?? '').split('\n')
    last = seen
    storage.setItem(key, seen)
    return (!!prevUser && prevUser !== userId) || (!!prevAnonymous && prevAnonymous !== anonymousId)
  }
}
