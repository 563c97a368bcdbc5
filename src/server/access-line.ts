import { hostname } from 'node:os'
import type { AccessLine } from '../http/access-log.js'

/** pino's number for `info`. */
const INFO = 30

/**
 * Serializes an access line as pino would write it at `info` (level, time, pid, hostname, the
 * fields, msg), from one template: no logger, no serializers, no redaction on the hot path.
 * Every string goes through JSON.stringify, so no field can break the line.
 */
export function accessLineWriter(stream: { write(chunk: string): unknown }): (line: AccessLine) => void {
  const head = `{"level":${INFO},"time":`
  const bindings = `,"pid":${process.pid},"hostname":${JSON.stringify(hostname())}`
  return (line) => {
    stream.write(
      `${head}${Date.now()}${bindings},"reqId":${JSON.stringify(line.reqId)},"method":${JSON.stringify(line.method)},"route":${JSON.stringify(line.route)},"status":${line.status},"responseTime":${line.responseTime}${line.userId === undefined ? '' : `,"userId":${line.userId}`},"ip":${JSON.stringify(line.ip)},"msg":"request completed"}\n`,
    )
  }
}
