/**
 * Routes in the URL fragment (`#/users/42`): the server serves one page path, so every screen has
 * a link that survives a reload, and the browser's back button works.
 */
import { useEffect, useState } from 'react'

export interface Route {
  /** `users`, `groups`, … (the first segment). */
  screen: string
  /** The second segment, when there is one (an id). */
  id: string | undefined
}

function current(): Route {
  const [screen, id] = window.location.hash.replace(/^#\/?/, '').split('/')
  return { screen: screen || 'users', id: id === '' || id === undefined ? undefined : decodeURIComponent(id) }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current)
  useEffect(() => {
    const onChange = () => setRoute(current())
    window.addEventListener('hashchange', onChange)
    return () => window.removeEventListener('hashchange', onChange)
  }, [])
  return route
}

export const href = (screen: string, id?: string | number): string =>
  id === undefined ? `#/${screen}` : `#/${screen}/${encodeURIComponent(String(id))}`

export const navigate = (screen: string, id?: string | number): void => {
  window.location.hash = href(screen, id)
}
