import { describe, expect, it } from 'vitest'
import { csvCell, csvRow } from '../../src/http/csv.js'

describe('CSV cells (RFC 4180, formula guard)', () => {
  it('quotes only where needed and doubles quotes', () => {
    expect(csvCell('plain')).toBe('plain')
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(csvCell('say "hi"')).toBe('"say ""hi"""')
    expect(csvCell('two\nlines')).toBe('"two\nlines"')
    expect(csvCell(null)).toBe('')
    expect(csvCell(42)).toBe('42')
  })

  it('makes cells a spreadsheet would run as formulas plain text', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) {
      expect(
        csvCell(`${start}SUM(A1)`).replace(/^"/, '').startsWith(`'${start}`),
        JSON.stringify(start),
      ).toBe(true)
    }
    expect(csvCell('=1+1')).toBe("'=1+1")
    expect(csvCell('=HYPERLINK("x","y")')).toBe(`"'=HYPERLINK(""x"",""y"")"`)
    expect(csvCell('-')).toBe("'-")
    // Numbers are numbers, never text: a negative one is left as it is.
    expect(csvCell(-3)).toBe('-3')
    expect(csvCell('a=b')).toBe('a=b')
  })

  it('ends every record with CRLF', () => {
    expect(csvRow(['a', null, 'b,c'])).toBe('a,,"b,c"\r\n')
  })
})
