/** Lists: tables with their column heads, pages of them with a pager, and filters applied on submit. */
import type { AdminPage } from '@tessera/protocol'
import { type FormEvent, type ReactElement, type ReactNode, useState } from 'react'
import { Pager, TableWrap } from './ui.js'

/** A plain column head by its text; false for a column not shown; an element for a head of its own. */
export type Column = string | false | ReactElement

interface TableProps<T> {
  label: string
  testId: string
  columns: readonly Column[]
  caption?: ReactNode
  /** One `<tr>` with its key per item. */
  row: (item: T) => ReactNode
}

export function Table<T>(props: TableProps<T> & { rows: readonly T[] }): ReactNode {
  return (
    <TableWrap label={props.label}>
      <table data-testid={props.testId}>
        {props.caption}
        <thead>
          <tr>
            {props.columns.map((column) =>
              typeof column === 'string' ? (
                <th key={column} scope="col">
                  {column}
                </th>
              ) : (
                column
              ),
            )}
          </tr>
        </thead>
        <tbody>{props.rows.map((item) => props.row(item))}</tbody>
      </table>
    </TableWrap>
  )
}

/** One page of a list: the table, `empty` when there is nothing, and the pager; nothing before it loads. */
export function PagedTable<T>(
  props: TableProps<T> & {
    data: AdminPage<T> | undefined
    empty: string
    pager: string
    page: number
    pageSize: number
    onPage: (page: number) => void
  },
): ReactNode {
  const { data } = props
  if (data === undefined) return null
  return (
    <>
      <Table {...props} rows={data.results} />
      {data.count === 0 ? <p>{props.empty}</p> : null}
      <Pager
        label={props.pager}
        page={props.page}
        pageSize={props.pageSize}
        count={data.count}
        onPage={props.onPage}
      />
    </>
  )
}

/** Filters as typed (`draft`) and as applied (`filters`); `apply` (a form's submit) goes back to page 1. */
export function useFilters<F>(initial: F) {
  const [filters, setFilters] = useState<F>(initial)
  const [draft, setDraft] = useState<F>(initial)
  const [page, setPage] = useState(1)
  const apply = (event: FormEvent) => {
    event.preventDefault()
    setFilters(draft)
    setPage(1)
  }
  return { filters, draft, setDraft, page, setPage, apply }
}
