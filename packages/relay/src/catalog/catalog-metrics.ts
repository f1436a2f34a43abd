// The catalog's Prometheus counters. Property names come from browsers, so the label is capped:
// the first MAX_LABELS names get their own series, every later one counts as `other`.

const MAX_LABELS = 100
const MAX_LABEL_CHARS = 100
const PREFIX = 'loops_relay_'

export interface CatalogMetrics {
  unknownProperty(name: string): void
  created(type: string): void
  listDropped(): void
  render(): string
}

export function createCatalogMetrics(): CatalogMetrics {
  const unknown = new Map<string, number>()
  const created = new Map<string, number>()
  let listsDropped = 0
  const label = (value: string) =>
    value.slice(0, MAX_LABEL_CHARS).replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))

  return {
    unknownProperty(name) {
      const key = unknown.has(name) || unknown.size < MAX_LABELS ? name : 'other'
      unknown.set(key, (unknown.get(key) ?? 0) + 1)
    },
    created(type) {
      created.set(type, (created.get(type) ?? 0) + 1)
    },
    listDropped() {
      listsDropped += 1
    },
    render() {
      const lines = [
        `# HELP ${PREFIX}unknown_properties_total Contact property values sent that Loops has no property for (Loops drops them), by property; after ${MAX_LABELS} names the rest count as "other".`,
        `# TYPE ${PREFIX}unknown_properties_total counter`,
        ...[...unknown].map(
          ([n, v]) => `${PREFIX}unknown_properties_total{property="${label(n)}"} ${v}`,
        ),
        `# HELP ${PREFIX}properties_created_total Contact properties the relay created in Loops (RELAY_CREATE_PROPERTIES), by type.`,
        `# TYPE ${PREFIX}properties_created_total counter`,
        ...[...created].map(
          ([t, v]) => `${PREFIX}properties_created_total{type="${label(t)}"} ${v}`,
        ),
        `# HELP ${PREFIX}mailing_lists_dropped_total Mailing-list ids dropped from messages because Loops has no such list.`,
        `# TYPE ${PREFIX}mailing_lists_dropped_total counter`,
        `${PREFIX}mailing_lists_dropped_total ${listsDropped}`,
      ]
      return `${lines.join('\n')}\n`
    },
  }
}
