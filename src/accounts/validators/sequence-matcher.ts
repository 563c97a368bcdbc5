/**
 * Python's `difflib.SequenceMatcher(a=a, b=b).quick_ratio()`, over code points as Python iterates
 * a `str`: an upper bound on `ratio()` that counts shared characters as multisets, ignoring order.
 * Django's UserAttributeSimilarityValidator compares against it.
 */
export function quickRatio(a: string, b: string): number {
  const available = new Map<string, number>()
  let bLength = 0
  for (const ch of b) {
    available.set(ch, (available.get(ch) ?? 0) + 1)
    bLength += 1
  }
  let matches = 0
  let aLength = 0
  for (const ch of a) {
    aLength += 1
    const left = available.get(ch) ?? 0
    if (left > 0) {
      matches += 1
      available.set(ch, left - 1)
    }
  }
  const length = aLength + bLength
  // difflib's _calculate_ratio: two empty sequences are identical.
  return length === 0 ? 1 : (2 * matches) / length
}
