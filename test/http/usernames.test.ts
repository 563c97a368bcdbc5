/**
 * Issue 17, items 9 and 10: usernames cannot squat a victim's e-mail login, nor impersonate an
 * existing name by case, compatibility forms (full-width letters) or look-alike letters of
 * another script. Imported accounts keep their names and log in with them exactly.
 */
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, startTestServer, type TestServer } from '../helpers/server.js'

const PASSWORD = 'Wonderland-42!'
const EXISTS = { username: ['A user with that username already exists.'] }
const MIXED = {
  username: [
    'Enter a valid username. This value may not mix letters of different scripts, as in a look-alike name.',
  ],
}

const register = (app: FastifyInstance, username: string, email: string, password = PASSWORD) =>
  app.inject({ method: 'POST', url: '/api/register/', payload: { username, email, password } })
const obtain = (app: FastifyInstance, username: string, password = PASSWORD) =>
  app.inject({ method: 'POST', url: '/api/token/', payload: { username, password } })

for (const backend of BACKENDS) {
  describe(`e-mail squatting with LOGIN_FIELD=username_or_email on ${backend}`, () => {
    let server: TestServer
    beforeAll(async () => {
      server = await startTestServer(backend, { LOGIN_FIELD: 'username_or_email' })
    })
    afterAll(async () => server.dispose())

    it('refuses a username that could be an e-mail address, so the victim keeps their e-mail login', async () => {
      expect((await register(server.app, 'victim', 'victim@example.com')).statusCode).toBe(201)
      const squat = await register(server.app, 'victim@example.com', 'attacker@example.com', 'Other-pass-99!')
      expect(squat.statusCode).toBe(400)
      expect(squat.json()).toEqual({
        username: [
          'Enter a valid username. This value may not contain "@" while e-mail addresses are accepted as login names.',
        ],
      })
      expect((await obtain(server.app, 'victim@example.com')).statusCode).toBe(200)
    })

    it('looks a login name with "@" up as an e-mail, even when some imported username equals it', async () => {
      // An account imported (not registered) with an e-mail-like username.
      await server.createUser({
        username: 'carol@example.com',
        email: 'squatter@example.com',
        password: 'Squat-pass-77!',
      })
      await server.createUser({ username: 'carol', email: 'carol@example.com', password: PASSWORD })
      expect((await obtain(server.app, 'carol@example.com')).statusCode).toBe(200)
      expect((await obtain(server.app, 'carol@example.com', 'Squat-pass-77!')).statusCode).toBe(401)
      expect((await obtain(server.app, 'squatter@example.com', 'Squat-pass-77!')).statusCode).toBe(200)
    })
  })

  describe(`look-alike usernames on ${backend}`, () => {
    let server: TestServer
    beforeAll(async () => {
      server = await startTestServer(backend)
      expect((await register(server.app, 'alice', 'alice@example.com')).statusCode).toBe(201)
    })
    afterAll(async () => server.dispose())

    it('refuses a new username equal to an existing one case-insensitively', async () => {
      for (const name of ['Alice', 'ALICE', 'alicE']) {
        const res = await register(server.app, name, `${name}-x@example.net`)
        expect(res.statusCode, name).toBe(400)
        expect(res.json()).toEqual(EXISTS)
      }
      expect((await register(server.app, 'Émile', 'emile@example.com')).statusCode).toBe(201)
      const folded = await register(server.app, 'émile', 'emile2@example.com')
      expect(folded.statusCode).toBe(400)
      expect(folded.json()).toEqual(EXISTS)
    })

    it('NFKC-normalises usernames at registration and login, as Django does', async () => {
      const fullWidth = await register(server.app, 'ａｌｉｃｅ', 'fw@example.com')
      expect(fullWidth.statusCode).toBe(400)
      expect(fullWidth.json()).toEqual(EXISTS)
      const bob = await register(server.app, 'ｂｏｂ', 'bob@example.com')
      expect(bob.statusCode).toBe(201)
      expect(bob.json()).toMatchObject({ username: 'bob' })
      expect((await obtain(server.app, 'bob')).statusCode).toBe(200)
      expect((await obtain(server.app, 'ｂｏｂ')).statusCode).toBe(200)
    })

    it('refuses usernames that mix scripts, and accepts single-script ones', async () => {
      // U+0430 CYRILLIC SMALL LETTER A before Latin "lice".
      const res = await register(server.app, '\u0430lice', 'cyr@example.com')
      expect(res.statusCode).toBe(400)
      expect(res.json()).toEqual(MIXED)
      expect((await register(server.app, 'paypa\u0406', 'pp@example.com')).json()).toEqual(MIXED)
      for (const name of ['алиса', 'ελένη_7', 'たなか太郎', 'kim.민준', 'jean-luc+42', 'user_7@home']) {
        const ok = await register(
          server.app,
          name,
          `${encodeURIComponent(name).replace(/%/g, '')}@example.com`,
        )
        expect(ok.statusCode, name).toBe(201)
      }
    })

    it('imported accounts keep their names, case variants included, and log in with them exactly', async () => {
      await server.createUser({ username: 'Dave', email: 'dave1@example.com', password: 'Dave-one-111!' })
      await server.createUser({ username: 'dave', email: 'dave2@example.com', password: 'Dave-two-222!' })
      await server.createUser({ username: 'ｆｒａｎｋ', email: 'frank@example.com', password: 'Frank-333!' })
      expect((await obtain(server.app, 'Dave', 'Dave-one-111!')).statusCode).toBe(200)
      expect((await obtain(server.app, 'dave', 'Dave-two-222!')).statusCode).toBe(200)
      expect((await obtain(server.app, 'Dave', 'Dave-two-222!')).statusCode).toBe(401)
      expect((await obtain(server.app, 'ｆｒａｎｋ', 'Frank-333!')).statusCode).toBe(200)
    })
  })
}
