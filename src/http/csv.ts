/**
 * CSV as RFC 4180 writes it, made safe to open in a spreadsheet: a cell that begins with `=`, `+`,
 * `-`, `@`, a tab or a carriage return is prefixed with `'`, so Excel, LibreOffice and Google Sheets
 * show it as text instead of running it as a formula (OWASP, "CSV Injection").
 */

const FORMULA_START = /^[=+\-@\t\r]/
const NEEDS_QUOTES = /[",\r\n]/

/** One cell: `null` is empty; the formula guard first, then quoting where RFC 4180 needs it. */
export function csvCell(value: string | number | boolean | null): string {
  if (value === null) return ''
  let text = String(value)
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** One record, CRLF-terminated (RFC 4180 §2). */
export function csvRow(values: readonly (string | number | boolean | null)[]): string {
  return `${values.map(csvCell).join(',')}\r\n`
}
