// The admin UI's entry: the Tessera client in cookie mode (the refresh token in an HttpOnly
// cookie, the access token in memory only), the React bindings, and the app. No inline script
// or style anywhere (the page's CSP).
import { createTesseraClient } from '@tessera/client'
import { AuthProvider } from '@tessera/react'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { AdminApi } from './api.js'
import { App } from './app.js'
import { readConfig } from './config.js'

const config = readConfig()
const client = createTesseraClient({
  mode: 'cookie',
  baseUrl: window.location.origin,
  apiPrefix: config.apiPrefix,
  loginField: config.loginField,
  csrfCookieName: config.csrfCookie,
  csrfHeaderName: config.csrfHeader,
})
const api = new AdminApi(client, config.apiPrefix)
const root = document.getElementById('root')
if (root === null) throw new Error('the page has no #root')
createRoot(root).render(
  <StrictMode>
    <AuthProvider client={client}>
      <App config={config} api={api} />
    </AuthProvider>
  </StrictMode>,
)
