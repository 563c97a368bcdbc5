// Refresh with rotation on PostgreSQL (DESIGN.md: ≥ 2,000/s), in a new schema of BENCH_DATABASE_URL.
import { PG_BASE } from '../lib/config.mjs'
import {
  refreshBar,
  refreshFigure,
  refreshHeadline,
  refreshScenario,
  refreshSection,
} from '../lib/refresh.mjs'
import { pgSchemaUrl } from '../lib/servers.mjs'

export const name = 'refresh-postgres'
export const title = 'Refresh with rotation, PostgreSQL'
export const bar = refreshBar

export async function run() {
  let schema
  try {
    schema = await pgSchemaUrl()
  } catch (error) {
    return { skipped: true, reason: `PostgreSQL at ${PG_BASE} unavailable: ${error.message}` }
  }
  const out = await refreshScenario(name, { TESSERA_DATABASE_URL: schema.url }, bar.value)
  out.command = out.command.replace(
    '-m POST',
    `-m POST (TESSERA_DATABASE_URL=${PG_BASE}?options=-c search_path=bench_…)`,
  )
  return out
}

export const headline = refreshHeadline
export const figure = refreshFigure
export const section = refreshSection(name, 'PostgreSQL', bar)
