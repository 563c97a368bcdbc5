/** What the server wrote into the page's `<meta>` tags (src/http/routes/admin-page.ts). */
export interface PageConfig {
  /** The API's prefix, e.g. `/api`. */
  apiPrefix: string
  /** What `/token/` takes: `username`, `email` or `username_or_email`. */
  loginField: string
  csrfCookie: string
  csrfHeader: string
}

const meta = (name: string, fallback: string): string => {
  const content = document.querySelector<HTMLMetaElement>(`meta[name="tessera-${name}"]`)?.content
  // An unfilled placeholder (the page opened from disk or Vite's dev server): the defaults.
  return content === undefined || content.startsWith('__TESSERA_') ? fallback : content
}

export function readConfig(): PageConfig {
  return {
    apiPrefix: meta('api-prefix', '/api'),
    loginField: meta('login-field', 'username'),
    csrfCookie: meta('csrf-cookie', 'csrftoken'),
    csrfHeader: meta('csrf-header', 'x-csrftoken'),
  }
}
