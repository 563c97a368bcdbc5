import { hostname } from 'node:os'
import type { AccessLine } from '../http/access-log.js'

/** pino's number for `info`. */
const INFO = 30

/**
 * Serializes an access line as pino would write it at `info` (level, time, pid, hostname, the
 * fields, msg), from one template: no logger, no serializers, no redaction on the hot path.
 * Every line is ASCII-only JSON (anything else in a string is escaped as `\uXXXX`), so its length
 * in bytes is its length in characters and a destination need not measure it.
 */
export function accessLineWriter(write: (line: string) => void): (line: AccessLine) => void {
  const head = `{"level":${INFO},"time":`
  const bindings = `,"pid":${process.pid},"hostname":${asciiJson(hostname())}`
  return (line) => {
    write(
      `${head}${Date.now()}${bindings},"reqId":${asciiJson(line.reqId)},"method":${asciiJson(line.method)},"route":${line.route === null ? 'null' : asciiJson(line.route)},"status":${line.status},"responseTime":${hundredths(line.responseTime)}${line.userId === undefined ? '' : `,"userId":${line.userId}`},"ip":${line.ip === null ? 'null' : asciiJson(line.ip)},"msg":"request completed"}\n`,
    )
  }
}

/**
 * `ms` rounded to hundredths, as JSON.stringify writes the rounded number (`12`, `12.5`, `12.05`),
 * from integers: formatting a fractional double costs more than the rest of the line's numbers.
 */
function hundredths(ms: number): string {
  const total = Math.round(ms * 100)
  if (!(total >= 0 && total <= 0x7fffffff)) return JSON.stringify(total / 100)
  const whole = (total / 100) | 0
  const fraction = total - whole * 100
  if (fraction === 0) return `${whole}`
  if (fraction % 10 === 0) return `${whole}.${fraction / 10}`
  return fraction < 10 ? `${whole}.0${fraction}` : `${whole}.${fraction}`
}

/**
 * The JSON string for `value`, in ASCII. Request ids, methods, route patterns and addresses are
 * printable ASCII without quotes or backslashes, which need no escaping: checking that is cheaper
 * than JSON.stringify, the path for anything else.
 */
function asciiJson(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return escapedJson(value)
  }
  return `"${value}"`
}

function escapedJson(value: string): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}
