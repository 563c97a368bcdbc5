/**
 * Issue 17, items 13 and 14: login, registration and password change read their fields by one
 * rule: passwords are counted in code points everywhere, and NUL characters are refused with
 * DRF CharField's field error instead of reaching the database.
 */
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, startTestServer, type TestServer } from '../helpers/server.js'

const post = (app: FastifyInstance, url: string, payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, payload: payload as Record<string, unknown>, headers })

const NUL = { username: ['Null characters are not allowed.'] }

for (const backend of BACKENDS) {
  describe(`login fields on ${backend}`, () => {
    let server: TestServer
    let app: FastifyInstance
    beforeAll(async () => {
      // 4,096 emoji are 16 KiB of UTF-8: room for them in the body.
      server = await startTestServer(backend, { BODY_LIMIT: 65_536 })
      app = server.app
      await server.createUser({ username: 'alice', password: 'Wonderland-42!' })
    })
    afterAll(async () => server.dispose())

    it('a password of 4,096 emoji registers, logs in, and can be changed and changed back', async () => {
      const emoji = '\u{1F600}'.repeat(4096)
      expect(emoji.length).toBe(8192)
      const registered = await post(app, '/api/register/', {
        username: 'smiley',
        email: 'smiley@example.com',
        password: emoji,
      })
      expect(registered.statusCode).toBe(201)
      const login = await post(app, '/api/token/', { username: 'smiley', password: emoji })
      expect(login.statusCode).toBe(200)
      const { access } = login.json() as { access: string }
      const changed = await post(
        app,
        '/api/me/password/',
        { old_password: emoji, new_password: `${emoji.slice(0, -2)}!` },
        { authorization: `Bearer ${access}` },
      )
      expect(changed.statusCode).toBe(200)
    })

    it('one code point over the limit is refused alike by register, login and password change', async () => {
      const tooLong = '\u{1F600}'.repeat(4097)
      const message = ['Ensure this field has no more than 4096 characters.']
      const registered = await post(app, '/api/register/', {
        username: 'smiley2',
        email: 'smiley2@example.com',
        password: tooLong,
      })
      expect(registered.statusCode).toBe(400)
      expect(registered.json()).toEqual({ password: message })
      const login = await post(app, '/api/token/', { username: 'alice', password: tooLong })
      expect(login.statusCode).toBe(400)
      expect(login.json()).toEqual({ password: message })
    })

    it('NUL in the login name answers 400 with the CharField error, in either mode of the body', async () => {
      for (const username of ['al\u0000ice', '\u0000']) {
        const res = await post(app, '/api/token/', { username, password: 'Wonderland-42!' })
        expect(res.statusCode).toBe(400)
        expect(res.json()).toEqual(NUL)
      }
      const sliding = await post(app, '/api/token/sliding/', { username: 'al\u0000ice', password: 'x' })
      expect(sliding.statusCode).toBe(400)
      expect(sliding.json()).toEqual(NUL)
    })

    it('NUL in the password answers 400 on login, and every field with one is named', async () => {
      const res = await post(app, '/api/token/', { username: 'alice', password: 'Wonder\u0000land' })
      expect(res.statusCode).toBe(400)
      expect(res.json()).toEqual({ password: ['Null characters are not allowed.'] })
      const both = await post(app, '/api/token/', { username: 'a\u0000', password: '\u0000' })
      expect(both.json()).toEqual({ ...NUL, password: ['Null characters are not allowed.'] })
    })

    it('NUL in a registration field answers 400 with the field error, never a 500', async () => {
      const res = await post(app, '/api/register/', {
        username: 'bob\u0000',
        email: 'bob@example.com',
        password: 'Wonderland-42!',
      })
      expect(res.statusCode).toBe(400)
      expect(res.json()).toEqual({
        username: [
          'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.',
          'Null characters are not allowed.',
        ],
      })
    })
  })
}
