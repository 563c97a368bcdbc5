// Load generation: autocannon from this process, or wrk (C, one thread) when installed, each run
// returning 2xx requests/s, latency and the CPU used by the server, the load generator and the rest
// of the machine.
import { spawn } from 'node:child_process'
import autocannon from 'autocannon'
import { cpuSeconds, machineJiffies, TICKS_PER_SECOND } from './machine.mjs'

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

const WRK_UNITS = { us: 0.001, ms: 1, s: 1000 }
const wrkMs = (text) => {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text ?? '')
  return match ? Number(match[1]) * WRK_UNITS[match[2]] : undefined
}

/**
 * One wrk run (`wrk -t1 -c64 -d<duration>s --latency`), optionally pinned to a CPU list and driven
 * by a Lua `script` (its arguments after `--`), with the same result shape as cannon(): 2xx
 * requests/s, latency, and the CPU of the server, of wrk, and of the rest of the machine (fractions
 * of one core).
 */
export async function wrkRun(
  { url, duration, headers = {}, connections = 64, script, scriptArgs = [] },
  { serverPid, cpus } = {},
) {
  const args = ['-t1', `-c${connections}`, `-d${duration}s`, '--latency']
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`)
  if (script) args.push('-s', script)
  args.push(url)
  if (script) args.push('--', ...scriptArgs)
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
