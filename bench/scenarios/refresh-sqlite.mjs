// Refresh with rotation on SQLite (DESIGN.md: ≥ 2,000/s).
import {
  refreshBar,
  refreshFigure,
  refreshHeadline,
  refreshScenario,
  refreshSection,
} from '../lib/refresh.mjs'

export const name = 'refresh-sqlite'
export const title = 'Refresh with rotation, SQLite'
export const bar = refreshBar
export const run = () => refreshScenario(name, {}, bar.value)
export const headline = refreshHeadline
export const figure = refreshFigure
export const section = refreshSection(name, 'SQLite', bar)
