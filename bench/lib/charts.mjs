// Hand-written SVG charts for bench/RESULTS.md: a horizontal bar chart and a line chart.

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
