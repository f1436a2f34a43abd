// The Next.js route every README shows is the file examples/nextjs runs (and e2e/tests/nextjs.spec.ts
// builds and serves), so the snippet a reader copies is the one that is tested.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { root } from '../sri.mjs'

const route = readFileSync(
  join(root, 'examples', 'nextjs', 'app', 'loops', '[...path]', 'route.ts'),
  'utf8',
).trim()

it.each(['README.md', 'packages/relay/README.md', 'examples/README.md'])(
  '%s shows examples/nextjs/app/loops/[...path]/route.ts as its Next.js snippet',
  (readme) => {
    const text = readFileSync(join(root, readme), 'utf8')
    const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').trim())
    const snippets = blocks.filter((block) => block.includes('app/loops/[...path]/route.ts'))
    expect(snippets, `${readme}: one Next.js route snippet`).toHaveLength(1)
    expect(snippets[0]).toBe(route)
  },
)
