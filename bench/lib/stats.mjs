// Small statistics shared by the scenarios: medians, rounding, and a load run's summary as stored
// in results.json.

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
export const round3 = (n) => Math.round(n * 1000) / 1000
export const round1 = (n) => Math.round(n * 10) / 10

/** A load run (cannon or wrkRun) as results.json keeps it. */
export const summary = (run) => ({
  rps: Math.round(run.rps),
  non2xx: run.non2xx,
  errors: run.errors,
  timeouts: run.timeouts,
  p99_ms: run.latency_ms.p99,
  server_cpu_cores: run.server_cpu_cores === undefined ? undefined : round3(run.server_cpu_cores),
  client_cpu_cores: round3(run.client_cpu_cores),
  other_cpu_cores: round3(run.other_cpu_cores),
})
