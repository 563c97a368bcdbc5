// Runs the example app: TESSERA_* variables configure Tessera as they configure `tessera serve`.
//   npm run build && TESSERA_MODE=development node examples/embedded/server.mjs
import { buildApp } from './app.mjs'

const app = await buildApp()
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 8002) })
// close() drains the requests in flight, then stops everything Tessera started (database, key
// watcher, Redis, hashing threads, timers): the process then ends by itself.
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => void app.close())
