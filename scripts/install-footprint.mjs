// What each audience installs: packs the workspace packages and the server (`npm pack`), then
// installs each audience's tarballs into an empty project with an empty npm cache, and prints
// packages, megabytes on disk, seconds and whether anything has an install script (a native build).
//   node scripts/install-footprint.mjs            (needs the npm registry; run `npm run build` first)
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '..')
const work = mkdtempSync(join(tmpdir(), 'tessera-footprint-'))
const packs = join(work, 'packs')
mkdirSync(packs)

const pack = (dir) =>
  execFileSync('npm', ['pack', '--silent', '--pack-destination', packs], { cwd: dir, encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop()
const tarball = {}
for (const name of ['protocol', 'client', 'react', 'verify']) tarball[name] = pack(join(ROOT, 'packages', name))
tarball.tessera = pack(ROOT)

const AUDIENCES = [
  ['@tessera/client', ['protocol', 'client']],
  ['@tessera/react (react is a peer)', ['protocol', 'client', 'react']],
  ['@tessera/verify', ['protocol', 'verify']],
  ['tessera (the server)', ['protocol', 'client', 'react', 'verify', 'tessera']],
]

const rows = []
for (const [label, names] of AUDIENCES) {
  const project = mkdtempSync(join(work, 'project-'))
  writeFileSync(join(project, 'package.json'), '{"name":"consumer","private":true,"type":"module"}')
  const started = process.hrtime.bigint()
  execFileSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--cache', join(project, '.cache'), ...names.map((n) => join(packs, tarball[n]))],
    { cwd: project, stdio: 'ignore' },
  )
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8'))
  const installed = Object.entries(lock.packages).filter(([path]) => path.startsWith('node_modules/'))
  const scripts = installed.filter(([, meta]) => meta.hasInstallScript).map(([path]) => path.slice(13))
  const bytes = Number(execFileSync('du', ['-sb', join(project, 'node_modules')], { encoding: 'utf8' }).split('\t')[0])
  rows.push({ label, packages: installed.length, mb: (bytes / 1e6).toFixed(1), seconds: seconds.toFixed(1), scripts })
}
rmSync(work, { recursive: true, force: true })

console.log('| install | packages | MB on disk | seconds (empty cache) | install scripts |')
console.log('|---|---|---|---|---|')
for (const row of rows) {
  console.log(
    `| ${row.label} | ${row.packages} | ${row.mb} | ${row.seconds} | ${row.scripts.length === 0 ? 'none' : row.scripts.join(', ')} |`,
  )
}
