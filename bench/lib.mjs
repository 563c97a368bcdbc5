// Helpers for bench/run.mjs: child servers, autocannon runs with CPU accounting, RSS sampling, and
// hand-written SVG charts. Loopback only; every load is bounded in time or count.
import { execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import autocannon from 'autocannon'

export const CORES = availableParallelism()
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const TICKS_PER_SECOND = 100 // USER_HZ on Linux

/** taskset is optional: pinning is only used when asked for (BENCH_PIN=1) and possible. */
export function canPin() {
  if (CORES < 2) return false
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
/** Pins every thread of a process to a CPU list ("0", "1", "0-1"). */
export function pin(pid, cpuList) {
  execFileSync('taskset', ['-a', '-p', '-c', cpuList, String(pid)], { stdio: 'ignore' })
}

/** Starts a server process and waits for its "listening on URL" line (30 s at most). */
export async function startProcess(args, env = {}) {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  let exited = false
  child.once('exit', () => {
    exited = true
  })
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`no "listening on" line within 30 s:\n${output.slice(-2000)}`))
    }, 30_000)
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
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`exited (${code ?? signal}) before listening:\n${output.slice(-2000).trim()}`))
    })
  })
  // Keep draining the pipes so a chatty server never blocks on a full pipe; keep the tail for errors.
  child.stdout.on('data', (chunk) => {
    output = (output + chunk).slice(-4000)
  })
  child.stderr.on('data', (chunk) => {
    output = (output + chunk).slice(-4000)
  })
  return {
    child,
    url,
    pid: child.pid,
    output: () => output,
    alive: () => !exited,
    stop: async () => {
      if (exited) return
      child.kill('SIGTERM')
      await Promise.race([new Promise((resolve) => child.once('exit', resolve)), sleep(5000)])
      if (!exited) child.kill('SIGKILL')
    },
  }
}

/** CPU seconds (user + system, all threads) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // fields[0] is field 3 (state); utime is field 14, stime field 15
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
}

/** Busy and total jiffies of the whole machine, from the first line of /proc/stat. */
export function machineJiffies() {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = values.map(Number)
  const busy = user + nice + system + irq + softirq + steal
  return { busy, total: busy + idle + iowait }
}

export function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
}

/**
 * One autocannon run from this process. Returns requests/s (2xx only and all), status counts,
 * latency, and how busy the server and this load generator were (fraction of one core), so a
 * reader can tell a server-bound figure from a client-bound one.
 */
export function cannon(options, { serverPid, onInstance, maxSeconds } = {}) {
  return new Promise((resolve, reject) => {
    const serverCpu0 = serverPid ? cpuSeconds(serverPid) : 0
    const clientCpu0 = process.cpuUsage()
    const machine0 = machineJiffies()
    const started = process.hrtime.bigint()
    const instance = autocannon({ connections: 64, ...options }, (error, result) => {
      clearTimeout(guard)
      if (error) return reject(error)
      const wall = Number(process.hrtime.bigint() - started) / 1e9
      const client = process.cpuUsage(clientCpu0)
      const seconds = result.duration || wall
      const machine1 = machineJiffies()
      const machineCores = (machine1.busy - machine0.busy) / TICKS_PER_SECOND / wall
      const serverCores = serverPid ? (cpuSeconds(serverPid) - serverCpu0) / wall : undefined
      const clientCores = (client.user + client.system) / 1e6 / wall
      resolve({
        seconds,
        requests: result.requests.total,
        ok: result['2xx'],
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        statusCodes: result.statusCodeStats,
        rps: result['2xx'] / seconds,
        all_rps: result.requests.total / seconds,
        latency_ms: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
        server_cpu_cores: serverCores,
        client_cpu_cores: clientCores,
        // everything else on the machine (other servers, databases, other users' jobs)
        other_cpu_cores: Math.max(0, machineCores - (serverCores ?? 0) - clientCores),
      })
    })
    // A hard stop in case a count-bounded run (amount) stalls.
    const guard = setTimeout(() => instance.stop(), (maxSeconds ?? (options.duration ?? 60) + 30) * 1000)
    onInstance?.(instance)
  })
}

/** wrk (C, event-driven) when it is installed: one thread saturates a server that autocannon cannot. */
export function hasWrk() {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' })
    return true
  } catch (error) {
    // wrk --version exits 1 after printing its version; only a missing binary is ENOENT.
    return error.code !== 'ENOENT'
  }
}

const WRK_UNITS = { us: 0.001, ms: 1, s: 1000 }
const wrkMs = (text) => {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text ?? '')
  return match ? Number(match[1]) * WRK_UNITS[match[2]] : undefined
}

/**
 * One wrk run (`wrk -t1 -c64 -d<duration>s --latency`), optionally pinned to a CPU list, with the
 * same result shape as cannon(): 2xx requests/s, latency, and the CPU of the server, of wrk, and of
 * the rest of the machine (fractions of one core).
 */
export async function wrkRun({ url, duration, headers = {}, connections = 64 }, { serverPid, cpus } = {}) {
  const args = ['-t1', `-c${connections}`, `-d${duration}s`, '--latency']
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`)
  args.push(url)
  const [command, argv] = cpus ? ['taskset', ['-c', cpus, 'wrk', ...args]] : ['wrk', args]
  const serverCpu0 = serverPid ? cpuSeconds(serverPid) : 0
  const machine0 = machineJiffies()
  const started = process.hrtime.bigint()
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk) => {
    output += chunk
  })
  child.stderr.on('data', (chunk) => {
    output += chunk
  })
  // wrk's own CPU, read while it runs (its /proc entry is gone once it has been reaped).
  let clientCpu = 0
  const sampler = setInterval(() => {
    try {
      clientCpu = cpuSeconds(child.pid)
    } catch {}
  }, 100)
  const code = await new Promise((resolve) => child.once('exit', resolve))
  clearInterval(sampler)
  const wall = Number(process.hrtime.bigint() - started) / 1e9
  if (code !== 0) throw new Error(`wrk exited ${code}: ${output.slice(-1000)}`)
  const total = Number(/(\d+) requests in/.exec(output)?.[1] ?? 0)
  const seconds = Number(/requests in ([\d.]+)s/.exec(output)?.[1] ?? duration)
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0)
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output)
  const machine1 = machineJiffies()
  const machineCores = (machine1.busy - machine0.busy) / TICKS_PER_SECOND / wall
  const serverCores = serverPid ? (cpuSeconds(serverPid) - serverCpu0) / wall : undefined
  const clientCores = clientCpu / wall
  return {
    seconds,
    requests: total,
    ok: total - non2xx,
    non2xx,
    errors: socketErrors ? Number(socketErrors[1]) + Number(socketErrors[2]) + Number(socketErrors[3]) : 0,
    timeouts: socketErrors ? Number(socketErrors[4]) : 0,
    rps: (total - non2xx) / seconds,
    all_rps: total / seconds,
    latency_ms: {
      p50: wrkMs(/\s50%\s+(\S+)/.exec(output)?.[1]),
      p99: wrkMs(/\s99%\s+(\S+)/.exec(output)?.[1]),
      max: wrkMs(/Latency\s+\S+\s+\S+\s+(\S+)/.exec(output)?.[1]),
    },
    server_cpu_cores: serverCores,
    client_cpu_cores: clientCores,
    other_cpu_cores: Math.max(0, machineCores - (serverCores ?? 0) - clientCores),
  }
}

export async function postJson(url, body, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  })
  const text = await res.text()
  let parsed = {}
  try {
    parsed = JSON.parse(text)
  } catch {}
  return { status: res.status, body: parsed, text }
}

/** Runs `task(i)` for i in [0, count) with at most `limit` in flight. */
export async function pool(count, limit, task) {
  const out = new Array(count)
  let next = 0
  const worker = async () => {
    while (next < count) {
      const i = next++
      out[i] = await task(i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker))
  return out
}

// ---- SVG charts (hand-written strings) ----

const esc = (text) =>
  String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
const fmt = (n, digits = 0) => Number(n).toLocaleString('en', { maximumFractionDigits: digits })

/**
 * A horizontal bar chart. bars: [{label, value, text?, color?}]; optional `goal` {value, label}
 * drawn as a dashed vertical line; `subtitle` under the title.
 */
export function barChart({ title, subtitle = '', bars, unit = '', goal }) {
  const width = 720
  const left = 230
  const span = 380
  const rowHeight = 36
  const top = subtitle ? 62 : 44
  const height = top + bars.length * rowHeight + (goal ? 30 : 14)
  const max = Math.max(...bars.map((bar) => bar.value), goal?.value ?? 0, 1) * 1.05
  const x = (value) => left + (value / max) * span
  const rows = bars
    .map((bar, index) => {
      const y = top + index * rowHeight
      const w = Math.max(2, x(bar.value) - left)
      const label = bar.text ?? `${fmt(bar.value, bar.value < 100 ? 1 : 0)}${unit}`
      return (
        `<text x="${left - 8}" y="${y + 19}" font-size="13" text-anchor="end">${esc(bar.label)}</text>` +
        `<rect x="${left}" y="${y + 4}" width="${w.toFixed(1)}" height="22" fill="${bar.color ?? '#3b6ea5'}"/>` +
        `<text x="${(left + w + 6).toFixed(1)}" y="${y + 20}" font-size="12" stroke="#fff" stroke-width="3" paint-order="stroke">${esc(label)}</text>`
      )
    })
    .join('')
  const goalLine = goal
    ? `<line x1="${x(goal.value).toFixed(1)}" y1="${top}" x2="${x(goal.value).toFixed(1)}" y2="${top + bars.length * rowHeight + 4}" stroke="#c0392b" stroke-dasharray="5,4" stroke-width="1.5"/>` +
      `<text x="${x(goal.value).toFixed(1)}" y="${top + bars.length * rowHeight + 20}" font-size="12" fill="#c0392b" text-anchor="middle">${esc(goal.label)}</text>`
    : ''
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">` +
    `<title>${esc(title)}</title><rect width="100%" height="100%" fill="#fff"/>` +
    `<text x="12" y="24" font-size="16" font-weight="bold">${esc(title)}</text>` +
    (subtitle ? `<text x="12" y="44" font-size="12" fill="#555">${esc(subtitle)}</text>` : '') +
    `${goalLine}${rows}</svg>\n`
  )
}

/**
 * A line chart of points [{x, y}] with axes and ticks; optional `band` {low, high, label} shaded,
 * and `marks` [{x, label}] as vertical dotted lines.
 */
export function lineChart({ title, subtitle = '', points, xLabel, yLabel, band, marks = [] }) {
  const width = 720
  const height = 340
  const L = 64
  const R = 700
  const T = subtitle ? 60 : 44
  const B = 290
  const maxX = Math.max(...points.map((p) => p.x), 1)
  const maxY = Math.max(...points.map((p) => p.y), band?.high ?? 0, 1) * 1.15
  const px = (v) => L + (v / maxX) * (R - L)
  const py = (v) => B - (v / maxY) * (B - T)
  const path = points.map((p, i) => `${i ? 'L' : 'M'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ')
  const yTicks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const v = f * maxY
      return `<line x1="${L - 4}" y1="${py(v).toFixed(1)}" x2="${R}" y2="${py(v).toFixed(1)}" stroke="#eee"/><text x="${L - 8}" y="${(py(v) + 4).toFixed(1)}" font-size="11" text-anchor="end">${fmt(v)}</text>`
    })
    .join('')
  const xTicks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const v = f * maxX
      return `<text x="${px(v).toFixed(1)}" y="${B + 16}" font-size="11" text-anchor="middle">${fmt(v)}</text>`
    })
    .join('')
  const bandRect = band
    ? `<rect x="${L}" y="${py(band.high).toFixed(1)}" width="${R - L}" height="${(py(band.low) - py(band.high)).toFixed(1)}" fill="#3b6ea5" fill-opacity="0.12"/><text x="${R - 4}" y="${(py(band.high) - 4).toFixed(1)}" font-size="11" fill="#3b6ea5" text-anchor="end">${esc(band.label)}</text>`
    : ''
  const markLines = marks
    .map(
      (m) =>
        `<line x1="${px(m.x).toFixed(1)}" y1="${T}" x2="${px(m.x).toFixed(1)}" y2="${B}" stroke="#888" stroke-dasharray="2,3"/><text x="${(px(m.x) + 3).toFixed(1)}" y="${T + 12}" font-size="11" fill="#555">${esc(m.label)}</text>`,
    )
    .join('')
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">` +
    `<title>${esc(title)}</title><rect width="100%" height="100%" fill="#fff"/>` +
    `<text x="12" y="24" font-size="16" font-weight="bold">${esc(title)}</text>` +
    (subtitle ? `<text x="12" y="44" font-size="12" fill="#555">${esc(subtitle)}</text>` : '') +
    `${yTicks}${bandRect}${markLines}` +
    `<line x1="${L}" y1="${B}" x2="${R}" y2="${B}" stroke="#555"/><line x1="${L}" y1="${T}" x2="${L}" y2="${B}" stroke="#555"/>` +
    `${xTicks}<text x="${(L + R) / 2}" y="${B + 36}" font-size="12" text-anchor="middle">${esc(xLabel)}</text>` +
    `<text x="16" y="${(T + B) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 16 ${(T + B) / 2})">${esc(yLabel)}</text>` +
    `<path d="${path}" fill="none" stroke="#3b6ea5" stroke-width="2"/></svg>\n`
  )
}
