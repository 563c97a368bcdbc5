/** The UI's building blocks: dialogs that trap and return focus, confirmations, errors, paging. */
import { TesseraClientError } from '@tessera/client'
import {
  type InputHTMLAttributes,
  type ReactNode,
  type Ref,
  useCallback,
  useEffect,
  useId,
  useRef,
  useState,
} from 'react'
import { href } from './router.js'

/** An error as the operator should read it: the server's detail, and each field's messages. */
export function describeError(error: unknown): string {
  if (error instanceof TesseraClientError) {
    const fields = Object.entries(error.fields ?? {}).map(
      ([field, messages]) => `${field}: ${messages.join(' ')}`,
    )
    return fields.length > 0 ? fields.join(' · ') : error.detail
  }
  return error instanceof Error ? error.message : String(error)
}

export function ErrorNote({ error }: { error: unknown }): ReactNode {
  if (error === null || error === undefined) return null
  return (
    <p className="error" role="alert" data-testid="error">
      {describeError(error)}
    </p>
  )
}

export function Notice({ text }: { text: string | null }): ReactNode {
  return (
    <p className="notice" role="status" data-testid="notice">
      {text ?? ''}
    </p>
  )
}

const FOCUSABLE = 'a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])'

/**
 * A modal `<dialog>`: while open the rest of the page is inert (focus stays inside), Escape closes
 * it, and focus goes back to what had it before (the button that opened it).
 */
export function Dialog(props: {
  title: string
  open: boolean
  onClose: () => void
  children: ReactNode
  testId?: string
}): ReactNode {
  const ref = useRef<HTMLDialogElement>(null)
  const opener = useRef<Element | null>(null)
  const titleId = useId()
  const { open, onClose } = props
  useEffect(() => {
    const dialog = ref.current
    if (dialog === null) return
    if (open && !dialog.open) {
      opener.current = document.activeElement
      dialog.showModal()
    } else if (!open && dialog.open) {
      dialog.close()
    }
  }, [open])
  useEffect(() => {
    const dialog = ref.current
    if (dialog === null) return
    const onCancel = (event: Event) => {
      event.preventDefault()
      onClose()
    }
    const onClosed = () => {
      const target = opener.current
      opener.current = null
      if (target instanceof HTMLElement && target.isConnected) target.focus()
    }
    // Tab and Shift+Tab wrap around inside the dialog rather than leaving for the browser's own UI.
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Tab') return
      const focusable = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
        (node) => !node.hasAttribute('disabled'),
      )
      const first = focusable[0]
      const last = focusable[focusable.length - 1]
      if (first === undefined || last === undefined) return
      if (event.shiftKey && document.activeElement === first) {
        event.preventDefault()
        last.focus()
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault()
        first.focus()
      }
    }
    dialog.addEventListener('cancel', onCancel)
    dialog.addEventListener('close', onClosed)
    dialog.addEventListener('keydown', onKey)
    return () => {
      dialog.removeEventListener('cancel', onCancel)
      dialog.removeEventListener('close', onClosed)
      dialog.removeEventListener('keydown', onKey)
    }
  }, [onClose])
  return (
    <dialog ref={ref} className="modal" aria-labelledby={titleId} data-testid={props.testId}>
      <h2 id={titleId}>{props.title}</h2>
      {open ? props.children : null}
    </dialog>
  )
}

interface Question {
  title: string
  message: string
  confirm: string
  resolve: (yes: boolean) => void
}

/**
 * Confirmation for destructive actions: `await ask({…})` resolves true when the operator
 * confirms, false on Cancel or Escape. The dialog's first button is Cancel, so a stray Enter
 * changes nothing.
 */
export function useConfirm(): [ReactNode, (question: Omit<Question, 'resolve'>) => Promise<boolean>] {
  const [question, setQuestion] = useState<Question | null>(null)
  const ask = useCallback(
    (q: Omit<Question, 'resolve'>) => new Promise<boolean>((resolve) => setQuestion({ ...q, resolve })),
    [],
  )
  const answer = useCallback(
    (yes: boolean) => {
      question?.resolve(yes)
      setQuestion(null)
    },
    [question],
  )
  const cancel = useCallback(() => answer(false), [answer])
  const element = (
    <Dialog title={question?.title ?? ''} open={question !== null} onClose={cancel} testId="confirm-dialog">
      <p>{question?.message}</p>
      <div className="actions">
        <button type="button" onClick={cancel} data-testid="confirm-cancel">
          Cancel
        </button>
        <button type="button" className="danger" onClick={() => answer(true)} data-testid="confirm-ok">
          {question?.confirm}
        </button>
      </div>
    </Dialog>
  )
  return [element, ask]
}

/** Loads data for a screen; `reload()` fetches again (after a change). */
export function useLoader<T>(load: () => Promise<T>, deps: readonly unknown[]) {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: null,
    loading: true,
  })
  const [round, setRound] = useState(0)
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller lists what `load` reads
  useEffect(() => {
    let live = true
    setState((previous) => ({ ...previous, loading: true }))
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error: unknown) => live && setState({ data: undefined, error, loading: false }),
    )
    return () => {
      live = false
    }
  }, [...deps, round])
  const reload = useCallback(() => setRound((n) => n + 1), [])
  return { ...state, reload }
}

export function Pager(props: {
  page: number
  pageSize: number
  count: number
  onPage: (page: number) => void
  label: string
}): ReactNode {
  const pages = Math.max(1, Math.ceil(props.count / props.pageSize))
  return (
    <nav className="pager" aria-label={`${props.label} pages`}>
      <button type="button" disabled={props.page <= 1} onClick={() => props.onPage(props.page - 1)}>
        Previous page
      </button>
      <span data-testid="page-info">
        Page {props.page} of {pages} ({props.count} {props.count === 1 ? 'entry' : 'entries'})
      </span>
      <button type="button" disabled={props.page >= pages} onClick={() => props.onPage(props.page + 1)}>
        Next page
      </button>
    </nav>
  )
}

/** A table that scrolls sideways on narrow screens; focusable so keyboards can scroll it too. */
export function TableWrap({ label, children }: { label: string; children: ReactNode }): ReactNode {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section className="table-wrap" aria-label={label} tabIndex={0}>
      {children}
    </section>
  )
}

/** Any / Yes / No for a boolean filter. */
export function FlagFilter(props: {
  label: string
  value: string
  onChange: (value: string) => void
  name: string
}): ReactNode {
  const id = useId()
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select
        id={id}
        name={props.name}
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
      >
        <option value="">Any</option>
        <option value="true">Yes</option>
        <option value="false">No</option>
      </select>
    </div>
  )
}

/** A labelled input; extra props go to the input. */
export function Field(
  props: {
    label: string
    hint?: string
    ref?: Ref<HTMLInputElement>
  } & InputHTMLAttributes<HTMLInputElement>,
): ReactNode {
  const id = useId()
  const hintId = useId()
  const { label, hint, ...input } = props
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} {...input} {...(hint ? { 'aria-describedby': hintId } : {})} />
      {hint ? (
        <small id={hintId} className="hint">
          {hint}
        </small>
      ) : null}
    </div>
  )
}

export function Check(
  props: { label: string } & Omit<InputHTMLAttributes<HTMLInputElement>, 'type'>,
): ReactNode {
  const id = useId()
  const { label, ...input } = props
  return (
    <div className="check">
      <input id={id} type="checkbox" {...input} />
      <label htmlFor={id}>{label}</label>
    </div>
  )
}

/**
 * A user a row is about: the username, linked to the user, with the id beside it; by id alone once
 * the user is deleted (the audit trail outlives users).
 */
export function UserRef({ id, username }: { id: number; username: string | null }): ReactNode {
  if (username === null) return <span className="hint">deleted user #{id}</span>
  return (
    <>
      <a href={href('users', id)} title={`user id ${id}`}>
        {username}
      </a>{' '}
      <small className="hint">#{id}</small>
    </>
  )
}

export const yesNo = (value: boolean | null): string => (value === null ? 'Unknown' : value ? 'Yes' : 'No')

export const when = (iso: string | null): string => (iso === null ? '—' : new Date(iso).toLocaleString())

/** A screen's heading, focused when the screen opens so keyboard and screen reader users land on it. */
export function ScreenTitle({ children }: { children: ReactNode }): ReactNode {
  const ref = useRef<HTMLHeadingElement>(null)
  useEffect(() => {
    ref.current?.focus()
  }, [])
  return (
    <h1 ref={ref} tabIndex={-1} data-testid="screen-title">
      {children}
    </h1>
  )
}
