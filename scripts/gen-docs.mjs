// Regenerates the generated tables in docs/ from the built code (run after `npm run build`).
import { readFileSync, writeFileSync } from 'node:fs'
import { settingsTable } from '../dist/settings/docs.js'

const BEGIN = '<!-- settings-table:begin -->'
const END = '<!-- settings-table:end -->'
const path = new URL('../docs/settings.md', import.meta.url)
const text = readFileSync(path, 'utf8')
const start = text.indexOf(BEGIN)
const end = text.indexOf(END)
if (start < 0 || end < 0) throw new Error('docs/settings.md lacks the table markers')
writeFileSync(path, `${text.slice(0, start + BEGIN.length)}\n${settingsTable()}\n${text.slice(end)}`)
console.log('docs/settings.md updated')
