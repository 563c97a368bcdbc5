import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import type { CliIO } from './command.js'

/** A terminal's input: node's `tty.ReadStream`, or a test's stand-in. */
interface TerminalInput extends Readable {
  isTTY: true
  setRawMode(mode: boolean): unknown
}

const isTerminal = (stream: Readable): stream is TerminalInput =>
  (stream as Partial<TerminalInput>).isTTY === true &&
  typeof (stream as Partial<TerminalInput>).setRawMode === 'function'

/** The operator pressed Ctrl-C at a prompt. */
export class PromptInterrupted extends Error {
  constructor() {
    super('interrupted')
  }
}

/**
 * Reads one answer. On a terminal the input is read in raw mode, echoing what is typed only when
 * `echo` is set (never a password), and released afterwards so the process can exit. Piped input
 * is read line by line from one shared reader, so successive prompts each get the next line.
 */
export function prompt(io: CliIO, question: string, options: { echo: boolean }): Promise<string> {
  if (isTerminal(io.stdin)) return fromTerminal(io.stdin, io, question, options.echo)
  io.stderr.write(question)
  return linesOf(io)
    .next()
    .then((next) => (next.done ? '' : next.value))
}

function fromTerminal(input: TerminalInput, io: CliIO, question: string, echo: boolean): Promise<string> {
  // Raw mode first, then the question: nothing typed after it is echoed by the terminal.
  input.setRawMode(true)
  input.setEncoding('utf8')
  io.stderr.write(question)
  return new Promise((resolve, reject) => {
    let value = ''
    const finish = () => {
      input.off('data', onData)
      input.setRawMode(false)
      input.pause()
      io.stderr.write('\n')
    }
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') {
          finish()
          resolve(value)
          return
        }
        if (char === '\u0003') {
          finish()
          reject(new PromptInterrupted())
          return
        }
        if (char === '\u0004' && value === '') {
          finish()
          resolve('')
          return
        }
        if (char === '\u007f' || char === '\b') {
          if (value !== '') {
            value = [...value].slice(0, -1).join('')
            if (echo) io.stderr.write('\b \b')
          }
          continue
        }
        if (char < ' ') continue
        value += char
        if (echo) io.stderr.write(char)
      }
    }
    input.on('data', onData)
    input.resume()
  })
}

const readers = new WeakMap<Readable, { lines: AsyncIterator<string>; close: () => void }>()

function linesOf(io: CliIO): AsyncIterator<string> {
  let reader = readers.get(io.stdin)
  if (reader === undefined) {
    const lines = createInterface({ input: io.stdin, terminal: false })
    reader = { lines: lines[Symbol.asyncIterator](), close: () => lines.close() }
    readers.set(io.stdin, reader)
  }
  return reader.lines
}

/** Lets go of stdin once a command is done, so an open terminal or pipe does not keep it alive. */
export function releaseInput(io: CliIO): void {
  readers.get(io.stdin)?.close()
  readers.delete(io.stdin)
  io.stdin.pause()
}
