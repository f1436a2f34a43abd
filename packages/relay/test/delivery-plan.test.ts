// The planner alone (pure): which queued rows share one Loops call. Folding joins a run of
// contact updates to the next event of the exact same identity; everything else keeps its
// per-contact order. delivery-fold.test.ts shows the same rules end to end against Loops.
import { describe, expect, it } from 'vitest'
import { type PlanRow, planGroups } from '../src/delivery/plan'

const ada = { email: 'ada@example.com', userId: 'u-ada' }
let seq = 0
const row = (type: PlanRow['type'], who: Partial<PlanRow>, extra: Partial<PlanRow> = {}) =>
  ({ seq: ++seq, type, ready: true, foldable: true, ...who, ...extra }) as PlanRow
const seqs = (rows: PlanRow[]) => rows.map((r) => r.seq)

describe('planGroups', () => {
  it('folds a run of updates into the next event of the same identity, and stops there', () => {
    const rows = [row('contact', ada), row('contact', ada), row('event', ada), row('event', ada)]
    const [a, b, c, d] = seqs(rows)
    // The second event waits for the first call (per-contact order), so it is not planned yet.
    expect(planGroups(rows)).toEqual([[a, b, c]])
    expect(planGroups(rows.slice(3))).toEqual([[d]])
  })

  it('does not fold an update marked not foldable (subscribed), another identity, or an update after the event', () => {
    const sub = [row('contact', ada, { foldable: false }), row('event', ada)]
    expect(planGroups(sub)).toEqual([[sub[0]?.seq]])
    const emailOnly = [row('contact', ada), row('event', { email: ada.email })]
    expect(planGroups(emailOnly)).toEqual([[emailOnly[0]?.seq]])
    const after = [row('event', ada), row('contact', ada)]
    expect(planGroups(after)).toEqual([[after[0]?.seq]])
  })

  it('never folds rows a caller did not mark (direct mode) or rows that must go alone', () => {
    const unmarked = [row('contact', ada, { foldable: undefined }), row('event', ada)]
    expect(planGroups(unmarked)).toEqual([[unmarked[0]?.seq]])
    const solo = [row('contact', ada), row('event', ada, { solo: true })]
    expect(planGroups(solo)).toEqual([[solo[0]?.seq]])
  })

  it('keeps other contacts independent and respects maxMerge', () => {
    const bob = { email: 'bob@example.com' }
    const rows = [row('contact', ada), row('event', bob), row('event', ada)]
    const [a, b, c] = seqs(rows)
    expect(planGroups(rows)).toEqual([[a, c], [b]])
    const many = [row('contact', ada), row('contact', ada), row('event', ada)]
    expect(planGroups(many, { maxMerge: 2 })).toEqual([[many[0]?.seq, many[1]?.seq]])
  })
})
