// Helpers for bench/run.mjs: child servers, wrk and autocannon runs, RSS sampling, SVG charts.
import { execFile, execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { promisify } from 'node:util'
import autocannon from 'autocannon'

const exec = promisify(execFile)
/** Pin servers and load generators to separate cores when the machine has two or more. */
export const PINNING = process.env.BENCH_PIN !== '0' && cpus().length >= 2 && hasTaskset()

function hasTaskset() {
  try {
    execFileSync('taskset', ['-c', '0', 'true'])
    return true
  } catch {
    return false
  }
}
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Starts a server process and waits for its "listening on URL" line. */
export async function startProcess(args, env = {}, pin = false) {
  // Servers on core 0, load generators on core 1 (when there are two): neither steals the other's
  // core, so a ratio compares the servers, not the scheduler's mood.
  const pinned =
    PINNING && pin ? ['taskset', ['-c', '0', process.execPath, ...args]] : [process.execPath, args]
  const child = spawn(pinned[0], pinned[1], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 30 s:\n${output}`)), 30_000)
    const onData = (chunk) => {
      output += chunk
      const match = /listening on (http:\/\/[^\s(]+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(match[1])
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', (code) => reject(new Error(`exited ${code}:\n${output}`)))
  })
  return {
    child,
    url,
    pid: child.pid,
    stop: async () => {
      child.kill('SIGTERM')
      await Promise.race([new Promise((resolve) => child.once('exit', resolve)), sleep(5000)])
      child.kill('SIGKILL')
    },
  }
}

/** wrk -c64 against one URL (pinned to core 1 when pinning); requests/s and non-2xx count. */
export async function wrk(url, { duration, header } = {}) {
  const args = [
    PINNING ? '-t1' : '-t2',
    '-c64',
    `-d${duration}s`,
    '--latency',
    ...(header ? ['-H', header] : []),
    url,
  ]
  const { stdout } = PINNING
    ? await exec('taskset', ['-c', '1', 'wrk', ...args], { maxBuffer: 1 << 20 })
    : await exec('wrk', args, { maxBuffer: 1 << 20 })
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0)
  const errors = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0)
  const p99 = /99%\s+([\d.]+\w+)/.exec(stdout)?.[1] ?? ''
  return {
    rps,
    errors,
    p99,
    command: `wrk ${args.map((a) => (a.includes(' ') ? `'${a.replace(/Bearer \S+/, 'Bearer $TOKEN')}'` : a)).join(' ')}`,
  }
}

export function cannon(options) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) => (error ? reject(error) : resolve(result)))
    options.onInstance?.(instance)
  })
}

export function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
}

export async function postJson(url, body) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: res.status, body: await res.json().catch(() => ({})) }
}

const escapeXml = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;')

/** A horizontal bar chart as an SVG string. */
export function barChart(title, bars, unit = '') {
  const width = 640
  const rowHeight = 34
  const height = 50 + bars.length * rowHeight
  const max = Math.max(...bars.map((bar) => bar.value), 1)
  const rows = bars
    .map((bar, index) => {
      const y = 40 + index * rowHeight
      const length = Math.max(2, (bar.value / max) * 380)
      return `<text x="10" y="${y + 17}" font-size="13">${escapeXml(bar.label)}</text><rect x="200" y="${y + 4}" width="${length.toFixed(1)}" height="20" fill="${bar.color ?? '#3b6ea5'}"/><text x="${(205 + length).toFixed(1)}" y="${y + 19}" font-size="12">${escapeXml(bar.text ?? `${Math.round(bar.value).toLocaleString('en')}${unit}`)}</text>`
    })
    .join('')
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif"><title>${escapeXml(title)}</title><text x="10" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>${rows}</svg>\n`
}

/** A line chart (x: requests, y: MiB) as an SVG string. */
export function lineChart(title, points, xLabel, yLabel) {
  const width = 640
  const height = 300
  const maxX = Math.max(...points.map((p) => p.x), 1)
  const maxY = Math.max(...points.map((p) => p.y), 1) * 1.2
  const px = (x) => 60 + (x / maxX) * 550
  const py = (y) => 260 - (y / maxY) * 220
  const path = points
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`)
    .join(' ')
  const yTicks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (f) => `<text x="5" y="${(py(f * maxY) + 4).toFixed(1)}" font-size="11">${Math.round(f * maxY)}</text>`,
    )
    .join('')
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif"><title>${escapeXml(title)}</title><text x="10" y="20" font-size="15" font-weight="bold">${escapeXml(title)}</text><line x1="60" y1="260" x2="610" y2="260" stroke="#888"/><line x1="60" y1="40" x2="60" y2="260" stroke="#888"/>${yTicks}<text x="300" y="290" font-size="12">${escapeXml(xLabel)} (0 – ${maxX.toLocaleString('en')})</text><text x="5" y="35" font-size="12">${escapeXml(yLabel)}</text><path d="${path}" fill="none" stroke="#3b6ea5" stroke-width="2"/></svg>\n`
}
