/** A screen's changes: one notice and one error for all of them, confirmation first where asked. */
import { type FormEvent, type ReactNode, useState } from 'react'
import { Field, useConfirm } from './ui.js'

/** Runs a change; its answer is the notice to show, or null when nothing happened (no notice, no reload). */
export type Act = (work: () => Promise<string | null>) => Promise<void>

type Question = Parameters<ReturnType<typeof useConfirm>[1]>[0]

/**
 * `act(work)` clears the notice and the error, runs `work`, shows its notice and calls `reload`;
 * a failure becomes the error. `confirmed(question, work)` asks first: on Cancel nothing runs and
 * the notice says so. Render `confirmDialog` once in the screen.
 */
export function useActions(reload: () => void) {
  const [notice, setNotice] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [confirmDialog, ask] = useConfirm()
  const act: Act = async (work) => {
    setError(null)
    setNotice(null)
    try {
      const text = await work()
      if (text === null) return
      setNotice(text)
      reload()
    } catch (caught) {
      setError(caught)
    }
  }
  const confirmed = (question: Question, work: () => Promise<string>) =>
    act(async () => ((await ask(question)) ? work() : 'Nothing was changed.'))
  return { act, confirmed, ask, notice, error, confirmDialog }
}

/**
 * A one-field form ("create by name"): submits the field's text to `work` through `act`, and
 * empties the form only once `work` succeeded, so a refused name stays for correcting.
 */
export function InlineForm(props: {
  label: string
  field: string
  name: string
  submit: string
  maxLength?: number
  act: Act
  work: (value: string) => Promise<string>
}): ReactNode {
  const { act, work, name } = props
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = event.currentTarget
    const value = String(new FormData(form).get(name) ?? '')
    void act(async () => {
      const notice = await work(value)
      form.reset()
      return notice
    })
  }
  return (
    <form className="inline-form" onSubmit={onSubmit} aria-label={props.label}>
      <Field label={props.field} name={name} required maxLength={props.maxLength} />
      <button type="submit">{props.submit}</button>
    </form>
  )
}
