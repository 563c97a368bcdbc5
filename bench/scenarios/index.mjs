// Every scenario, in the order `npm run bench` runs them and bench/RESULTS.md lists them. Each module
// exports: name, title, bar ({ text, value, met(result) }: the requirement, declared once), run(),
// headline(result), figure(result, doc) (the summary row) and section(result, doc) (its lines).
import * as defaults from './defaults.mjs'
import * as helloEddsa from './hello-eddsa.mjs'
import * as helloEddsaDistinct from './hello-eddsa-distinct.mjs'
import * as helloHs256 from './hello-hs256.mjs'
import * as helloHs256Distinct from './hello-hs256-distinct.mjs'
import * as helloRevocation from './hello-revocation.mjs'
import * as login from './login.mjs'
import * as loginFlood from './login-flood.mjs'
import * as refreshPostgres from './refresh-postgres.mjs'
import * as refreshSqlite from './refresh-sqlite.mjs'
import * as soak from './soak.mjs'

export const SCENARIOS = [
  helloHs256,
  helloEddsa,
  helloRevocation,
  helloHs256Distinct,
  helloEddsaDistinct,
  defaults,
  refreshSqlite,
  refreshPostgres,
  login,
  loginFlood,
  soak,
]
