/**
 * Just enough of a DOM for react-dom/client to mount components that render no host elements, so hooks
 * and effects run in Node without jsdom. Components under test render `null` and report what they
 * see through callbacks. Import this module before react-dom/client (the latter is loaded lazily here).
 */
import type { ReactNode } from 'react'

const doc: Record<string, unknown> = {
  nodeType: 9,
  activeElement: null,
  body: null,
  addEventListener() {},
  removeEventListener() {},
  createTextNode: (text: string) => ({ nodeType: 3, nodeValue: text }),
}
const win = { HTMLIFrameElement: class {}, document: doc, event: undefined }
doc.defaultView = win
const g = globalThis as Record<string, unknown>
g.window ??= win
// Tells React that updates are wrapped in act(), so it flushes effects synchronously there.
g.IS_REACT_ACT_ENVIRONMENT = true

/**
 * Mounts `element` into a fake container inside `act()`; returns `unmount`.
 *
 * @example
 * ```ts
 * const view = await mount(createElement(Probe))
 * await view.unmount()
 * ```
 */
export async function mount(element: ReactNode): Promise<{ unmount(): Promise<void> }> {
  const { act } = await import('react')
  const { createRoot } = await import('react-dom/client')
  const container = {
    nodeType: 1,
    nodeName: 'DIV',
    tagName: 'DIV',
    namespaceURI: 'http://www.w3.org/1999/xhtml',
    ownerDocument: doc,
    childNodes: [] as unknown[],
    addEventListener() {},
    removeEventListener() {},
  }
  const root = createRoot(container as unknown as Element)
  await act(async () => {
    root.render(element)
  })
  return {
    unmount: () =>
      act(async () => {
        root.unmount()
      }),
  }
}
