// Writes one benchmark's generated section into bench/RESULTS.md (between its markers) and its
// raw numbers to bench/.out/<name>.json. Text outside the markers (analysis) is left alone.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { benchDir, machineLine, outDir } from './env.mjs'

export function header(name) {
  const argv = process.argv.slice(2).join(' ')
  return [
    `- machine: ${machineLine()}`,
    `- date: ${new Date().toISOString()}`,
    `- command: \`node bench/run.mjs ${argv || name}\` (this section: \`${name}\`)`,
  ].join('\n')
}

export function saveRaw(name, data) {
  mkdirSync(outDir, { recursive: true })
  writeFileSync(join(outDir, `${name}.json`), `${JSON.stringify(data, null, 2)}\n`)
}

/** Replaces the text between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` in RESULTS.md. */
export function writeSection(name, markdown) {
  const file = join(benchDir, 'RESULTS.md')
  const start = `<!-- bench:${name} -->`
  const end = `<!-- /bench:${name} -->`
  const block = `${start}\n${markdown.trim()}\n${end}`
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n'
  const a = text.indexOf(start)
  const b = text.indexOf(end)
  if (a >= 0 && b > a) text = text.slice(0, a) + block + text.slice(b + end.length)
  else text = `${text.trimEnd()}\n\n${block}\n`
  writeFileSync(file, text)
  mkdirSync(outDir, { recursive: true })
  writeFileSync(join(outDir, `${name}.md`), `${markdown.trim()}\n`)
}
