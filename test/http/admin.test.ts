/**
 * The admin API (issue 22), black-box over HTTP on SQLite and PostgreSQL: who may call what,
 * no self-escalation, deactivation and demotion ending access at once, audit entries with the
 * actor, pagination, search, ordering and filters, groups, tokens, clients, and the CSV export.
 */
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, startTestServer, type TestServer } from '../helpers/server.js'

const PASSWORD = 'Wonderland-42!'
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

interface Page<T> {
  count: number
  next: string | null
  previous: string | null
  results: T[]
}

for (const backend of BACKENDS) {
  describe(`admin API (${backend})`, () => {
    let server: TestServer
    const ids: Record<string, number> = {}
    const tokens: Record<string, { access: string; refresh: string }> = {}

    const login = async (username: string) => {
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/token/',
        payload: { username, password: PASSWORD },
      })
      expect(res.statusCode, `login ${username}`).toBe(200)
      return res.json() as { access: string; refresh: string }
    }
    const call = (
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      url: string,
      who?: string,
      payload?: unknown,
      headers: Record<string, string> = {},
    ): Promise<LightMyRequestResponse> =>
      server.app.inject({
        method,
        url,
        headers: { ...(who ? { authorization: `Bearer ${tokens[who]?.access}` } : {}), ...headers },
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      })
    const makeUser = async (username: string, flags: { isStaff?: boolean; isSuperuser?: boolean } = {}) => {
      const id = await server.createUser({ username, password: PASSWORD, isStaff: flags.isStaff ?? false })
      if (flags.isSuperuser) await server.stores.users.update(id, { isSuperuser: true })
      ids[username] = id
      return id
    }

    beforeAll(async () => {
      server = await startTestServer(backend)
      await makeUser('root', { isStaff: true, isSuperuser: true })
      await makeUser('helper', { isStaff: true })
      await makeUser('plain')
      for (const name of ['root', 'helper', 'plain']) tokens[name] = await login(name)
    })
    afterAll(async () => server.dispose())

    describe('permissions', () => {
      const reads = [
        '/api/admin/users/',
        '/api/admin/groups/',
        '/api/admin/tokens/',
        '/api/admin/audit/',
        '/api/admin/clients/',
      ]
      const writes: ['POST' | 'PATCH' | 'DELETE', () => string, unknown][] = [
        [
          'POST',
          () => '/api/admin/users/',
          { username: 'nobody', email: 'n@example.com', password: PASSWORD },
        ],
        ['PATCH', () => `/api/admin/users/${ids.plain}/`, { is_staff: true }],
        ['POST', () => `/api/admin/users/${ids.plain}/password/`, { password: 'Another-Secret-77' }],
        ['POST', () => `/api/admin/users/${ids.plain}/logout/all/`, {}],
        ['POST', () => '/api/admin/groups/', { name: 'ops' }],
        ['POST', () => '/api/admin/clients/', { name: 'billing' }],
        ['POST', () => '/api/admin/keys/', {}],
      ]

      it('anonymous callers get 401 with the Bearer challenge on every admin route', async () => {
        for (const url of reads) {
          const res = await call('GET', url)
          expect(res.statusCode, url).toBe(401)
          expect(res.headers['www-authenticate']).toBe('Bearer realm="api"')
          expect(res.json()).toEqual({ detail: 'Authentication credentials were not provided.' })
        }
        for (const [method, url, body] of writes) {
          expect((await call(method, url(), undefined, body)).statusCode, `${method} ${url()}`).toBe(401)
        }
      })

      it('a user who is neither staff nor superuser gets 403 everywhere', async () => {
        for (const url of reads) {
          const res = await call('GET', url, 'plain')
          expect(res.statusCode, url).toBe(403)
          expect(res.json()).toEqual({ detail: 'You do not have permission to perform this action.' })
        }
        for (const [method, url, body] of writes) {
          expect((await call(method, url(), 'plain', body)).statusCode, `${method} ${url()}`).toBe(403)
        }
      })

      it('staff read and may change nothing', async () => {
        for (const url of reads) {
          const res = await call('GET', url, 'helper')
          expect(res.statusCode, url).toBe(200)
          expect(res.headers['cache-control']).toBe('no-store')
        }
        for (const [method, url, body] of writes) {
          expect((await call(method, url(), 'helper', body)).statusCode, `${method} ${url()}`).toBe(403)
        }
        const plain = (await call('GET', `/api/admin/users/${ids.plain}/`, 'root')).json()
        expect(plain.is_staff).toBe(false)
        expect(await server.stores.clients.find('billing')).toBeUndefined()
      })

      it('a staff user cannot raise their own rights', async () => {
        const res = await call('PATCH', `/api/admin/users/${ids.helper}/`, 'helper', { is_superuser: true })
        expect(res.statusCode).toBe(403)
        const again = await call('PATCH', `/api/admin/users/${ids.helper}/`, 'helper', { groups: [] })
        expect(again.statusCode).toBe(403)
        expect((await server.stores.users.findById(ids.helper as number))?.isSuperuser).toBe(false)
      })

      it('a superuser cannot deactivate or demote themselves, and is told why', async () => {
        const url = `/api/admin/users/${ids.root}/`
        const res = await call('PATCH', url, 'root', {
          is_active: false,
          is_superuser: false,
          is_staff: false,
        })
        expect(res.statusCode).toBe(400)
        expect(res.json()).toEqual({
          is_active: ['You cannot deactivate your own account.'],
          is_staff: ['You cannot remove your own staff status.'],
          is_superuser: ['You cannot remove your own superuser status.'],
        })
        const root = await server.stores.users.findById(ids.root as number)
        expect([root?.isActive, root?.isStaff, root?.isSuperuser]).toEqual([true, true, true])
        expect((await call('GET', '/api/admin/users/', 'root')).statusCode).toBe(200)
      })

      it('a superuser writes', async () => {
        const created = await call('POST', '/api/admin/groups/', 'root', { name: 'ops' })
        expect(created.statusCode).toBe(201)
        expect(created.json()).toMatchObject({ name: 'ops', member_count: 0 })
      })
    })

    describe('users', () => {
      it('creates a user with Django password validation and DRF field errors', async () => {
        const weak = await call('POST', '/api/admin/users/', 'root', {
          username: 'carol',
          email: 'carol@example.com',
          password: 'password1',
          is_active: 'maybe',
          groups: ['no-such-group'],
        })
        expect(weak.statusCode).toBe(400)
        const body = weak.json()
        expect(body.password).toContain('This password is too common.')
        expect(body.is_active).toEqual(['Must be a valid boolean.'])
        expect(body.groups).toEqual(['Object with name=no-such-group does not exist.'])
        const res = await call('POST', '/api/admin/users/', 'root', {
          username: 'carol',
          email: 'carol@example.com',
          password: PASSWORD,
          is_staff: true,
          groups: ['ops'],
        })
        expect(res.statusCode).toBe(201)
        expect(res.json()).toMatchObject({
          username: 'carol',
          email: 'carol@example.com',
          is_active: true,
          is_staff: true,
          is_superuser: false,
          email_verified: false,
          groups: ['ops'],
        })
        ids.carol = res.json().id
        const taken = await call('POST', '/api/admin/users/', 'root', {
          username: 'carol',
          email: 'CAROL@example.com',
          password: PASSWORD,
        })
        expect(taken.statusCode).toBe(400)
        expect(taken.json()).toEqual({
          username: ['A user with that username already exists.'],
          email: ['This field must be unique.'],
        })
        expect((await login('carol')).access).toBeTypeOf('string')
      })

      it('refuses unknown fields and bad bodies with DRF shapes (the route schema decides nothing)', async () => {
        const url = `/api/admin/users/${ids.plain}/`
        const unknown = await call('PATCH', url, 'root', { username: 'renamed', is_staff: 'yes-please' })
        expect(unknown.statusCode).toBe(400)
        expect(unknown.json()).toEqual({
          username: ['This field cannot be changed.'],
          is_staff: ['Must be a valid boolean.'],
        })
        const list = await call('PATCH', url, 'root', [1, 2])
        expect(list.json()).toEqual({
          non_field_errors: ['Invalid data. Expected a dictionary, but got list.'],
        })
        expect((await call('GET', '/api/admin/users/999999/', 'root')).statusCode).toBe(404)
        expect((await call('GET', '/api/admin/users/abc/', 'root')).json()).toEqual({ detail: 'Not found.' })
      })

      it('deactivation ends the user’s access at once and is audited with the actor', async () => {
        const id = await makeUser('dave')
        const pair = await login('dave')
        const me = () =>
          server.app.inject({
            method: 'GET',
            url: '/api/me/',
            headers: { authorization: `Bearer ${pair.access}` },
          })
        expect((await me()).statusCode).toBe(200)
        const res = await call(
          'PATCH',
          `/api/admin/users/${id}/`,
          'root',
          { is_active: false },
          { 'user-agent': 'admin-test' },
        )
        expect(res.statusCode).toBe(200)
        expect(res.json().is_active).toBe(false)
        const refused = await me()
        expect(refused.statusCode).toBe(401)
        const refresh = await server.app.inject({
          method: 'POST',
          url: '/api/token/refresh/',
          payload: { refresh: pair.refresh },
        })
        expect(refresh.statusCode).toBe(401)
        const audit = await call('GET', `/api/admin/audit/?event=user_deactivated&user=${id}`, 'helper')
        expect(audit.statusCode).toBe(200)
        const [entry] = (
          audit.json() as Page<{ user: number; detail: Record<string, unknown>; user_agent: string }>
        ).results
        expect(entry).toMatchObject({ user: id, user_agent: 'admin-test', detail: { actor: ids.root } })
      })

      it('demotion voids the demoted user’s tokens, as logout-all does', async () => {
        const id = await makeUser('erin', { isStaff: true })
        const pair = await login('erin')
        const read = () =>
          server.app.inject({
            method: 'GET',
            url: '/api/admin/users/',
            headers: { authorization: `Bearer ${pair.access}` },
          })
        expect((await read()).statusCode).toBe(200)
        const res = await call('PATCH', `/api/admin/users/${id}/`, 'root', { is_staff: false })
        expect(res.statusCode).toBe(200)
        const refused = await read()
        expect(refused.statusCode).toBe(401)
        expect(refused.json()).toMatchObject({ code: 'token_not_valid' })
        const entries = (
          await call('GET', `/api/admin/audit/?event=user_roles_changed&user=${id}`, 'root')
        ).json()
        expect(entries.results[0].detail).toMatchObject({ staff: false, revoked: true, actor: ids.root })
      })

      it('sets a password (validators apply) and ends every session of the user', async () => {
        const id = await makeUser('frank')
        const pair = await login('frank')
        const weak = await call('POST', `/api/admin/users/${id}/password/`, 'root', { password: 'frank' })
        expect(weak.statusCode).toBe(400)
        expect(weak.json().password).toContain(
          'This password is too short. It must contain at least 8 characters.',
        )
        const res = await call('POST', `/api/admin/users/${id}/password/`, 'root', {
          password: 'Fresh-Pass-2024!',
        })
        expect(res.statusCode).toBe(200)
        const old = await server.app.inject({
          method: 'POST',
          url: '/api/token/refresh/',
          payload: { refresh: pair.refresh },
        })
        expect(old.statusCode).toBe(401)
        const fresh = await server.app.inject({
          method: 'POST',
          url: '/api/token/',
          payload: { username: 'frank', password: 'Fresh-Pass-2024!' },
        })
        expect(fresh.statusCode).toBe(200)
      })

      it('lists and ends one session, and logs a user out everywhere', async () => {
        const id = await makeUser('gina')
        const first = await login('gina')
        const second = await login('gina')
        const sessions = await call('GET', `/api/admin/users/${id}/sessions/`, 'helper')
        expect(sessions.statusCode).toBe(200)
        const page = sessions.json() as Page<{ id: string }>
        expect(page.count).toBe(2)
        const ended = page.results[0]?.id as string
        expect((await call('DELETE', `/api/admin/users/${id}/sessions/${ended}/`, 'helper')).statusCode).toBe(
          403,
        )
        expect((await call('DELETE', `/api/admin/users/${id}/sessions/${ended}/`, 'root')).statusCode).toBe(
          204,
        )
        expect((await call('DELETE', `/api/admin/users/${id}/sessions/${ended}/`, 'root')).statusCode).toBe(
          404,
        )
        expect((await call('GET', `/api/admin/users/${id}/sessions/`, 'root')).json().count).toBe(1)
        const all = await call('POST', `/api/admin/users/${id}/logout/all/`, 'root')
        expect(all.statusCode).toBe(200)
        for (const pair of [first, second]) {
          const me = await server.app.inject({
            method: 'GET',
            url: '/api/me/',
            headers: { authorization: `Bearer ${pair.access}` },
          })
          expect(me.statusCode).toBe(401)
        }
        const audit = (await call('GET', `/api/admin/audit/?user=${id}&ordering=at`, 'root')).json() as Page<{
          event: string
          detail: Record<string, unknown>
        }>
        const events = audit.results.map((entry) => entry.event)
        expect(events).toEqual(expect.arrayContaining(['session_revoked', 'logout_all']))
        expect(audit.results.find((entry) => entry.event === 'logout_all')?.detail.actor).toBe(ids.root)
      })

      it('paginates, searches, filters and orders as DRF does', async () => {
        for (let i = 1; i <= 12; i++) await makeUser(`zed${String(i).padStart(2, '0')}`)
        const page1 = (
          await call('GET', '/api/admin/users/?search=zed&page_size=5&ordering=-username', 'helper')
        ).json() as Page<{
          username: string
        }>
        expect(page1.count).toBe(12)
        expect(page1.results.map((user) => user.username)).toEqual([
          'zed12',
          'zed11',
          'zed10',
          'zed09',
          'zed08',
        ])
        expect(page1.previous).toBeNull()
        expect(page1.next).toBe(
          'http://localhost/api/admin/users/?search=zed&page_size=5&ordering=-username&page=2',
        )
        const page3 = (
          await call('GET', '/api/admin/users/?search=zed&page_size=5&ordering=-username&page=3', 'helper')
        ).json()
        expect(page3.results.map((user: { username: string }) => user.username)).toEqual(['zed02', 'zed01'])
        expect(page3.next).toBeNull()
        expect(page3.previous).toContain('page=2')
        const last = (
          await call('GET', '/api/admin/users/?search=zed&page_size=5&page=last', 'helper')
        ).json()
        expect(last.results).toHaveLength(2)
        const beyond = await call('GET', '/api/admin/users/?search=zed&page_size=5&page=4', 'helper')
        expect(beyond.statusCode).toBe(404)
        expect(beyond.json()).toEqual({ detail: 'Invalid page.' })
        // E-mail search, case-insensitively; several terms must all match; LIKE wildcards are literal.
        const byMail = (await call('GET', '/api/admin/users/?search=ZED07%40EXAMPLE', 'helper')).json()
        expect(byMail.results.map((user: { username: string }) => user.username)).toEqual(['zed07'])
        expect(
          (await call('GET', '/api/admin/users/?search=zed%20example.com,1', 'helper')).json().count,
        ).toBe(4)
        expect((await call('GET', '/api/admin/users/?search=%25', 'helper')).json().count).toBe(0)
        // Unknown ordering fields are ignored; the default order is by id.
        const ignored = (
          await call('GET', '/api/admin/users/?ordering=password_hash&page_size=2', 'helper')
        ).json()
        expect(ignored.results.map((user: { id: number }) => user.id)).toEqual([ids.root, ids.helper])
        const staff = (
          await call('GET', '/api/admin/users/?is_staff=true&is_superuser=false', 'helper')
        ).json()
        expect(staff.results.map((user: { username: string }) => user.username)).toContain('helper')
        expect(
          staff.results.every(
            (user: { is_staff: boolean; is_superuser: boolean }) => user.is_staff && !user.is_superuser,
          ),
        ).toBe(true)
        const inactive = (await call('GET', '/api/admin/users/?is_active=false', 'helper')).json()
        expect(inactive.results.map((user: { username: string }) => user.username)).toEqual(['dave'])
        const bad = await call('GET', '/api/admin/users/?is_active=perhaps', 'helper')
        expect(bad.statusCode).toBe(400)
        expect(bad.json()).toEqual({
          is_active: ['Select a valid choice. perhaps is not one of the available choices.'],
        })
      })
    })

    describe('groups', () => {
      it('renames, manages members and deletes, voiding members’ tokens when their roles change', async () => {
        const id = await makeUser('hank')
        const created = (await call('POST', '/api/admin/groups/', 'root', { name: 'billing' })).json()
        expect((await call('POST', '/api/admin/groups/', 'root', { name: 'billing' })).json()).toEqual({
          name: ['group with this name already exists.'],
        })
        expect((await call('POST', '/api/admin/groups/', 'root', { name: 'bell\u0007' })).json()).toEqual({
          name: ['A group name must not contain control characters.'],
        })
        const add = await call('POST', `/api/admin/groups/${created.id}/members/`, 'root', { user_id: id })
        expect(add.statusCode).toBe(200)
        expect(add.json()).toEqual({ id, username: 'hank' })
        expect(
          (
            await call('POST', `/api/admin/groups/${created.id}/members/`, 'root', { user_id: 987654 })
          ).json(),
        ).toEqual({
          user_id: ['Invalid pk "987654" - object does not exist.'],
        })
        const members = (await call('GET', `/api/admin/groups/${created.id}/members/`, 'helper')).json()
        expect(members.results).toEqual([{ id, username: 'hank' }])
        const pair = await login('hank')
        const renamed = await call('PATCH', `/api/admin/groups/${created.id}/`, 'root', { name: 'finance' })
        expect(renamed.json()).toEqual({ id: created.id, name: 'finance', member_count: 1 })
        const me = await server.app.inject({
          method: 'GET',
          url: '/api/me/',
          headers: { authorization: `Bearer ${pair.access}` },
        })
        expect(me.statusCode).toBe(401)
        expect((await call('GET', `/api/admin/users/${id}/`, 'root')).json().groups).toEqual(['finance'])
        const listed = (await call('GET', '/api/admin/groups/?search=fin', 'helper')).json()
        expect(listed.results.map((group: { name: string }) => group.name)).toEqual(['finance'])
        expect(
          (await call('DELETE', `/api/admin/groups/${created.id}/members/${id}/`, 'root')).statusCode,
        ).toBe(204)
        expect(
          (await call('DELETE', `/api/admin/groups/${created.id}/members/${id}/`, 'root')).statusCode,
        ).toBe(404)
        expect((await call('DELETE', `/api/admin/groups/${created.id}/`, 'root')).statusCode).toBe(204)
        expect((await call('GET', `/api/admin/groups/${created.id}/`, 'root')).statusCode).toBe(404)
        const audit = (await call('GET', '/api/admin/audit/?event=group_renamed', 'root')).json()
        expect(audit.results[0].detail).toMatchObject({
          group: 'finance',
          previous: 'billing',
          actor: ids.root,
        })
      })
    })

    describe('tokens', () => {
      it('lists outstanding and blacklisted refresh tokens and blacklists one', async () => {
        const id = await makeUser('ivy')
        const pair = await login('ivy')
        const listed = (await call('GET', `/api/admin/tokens/?user=${id}`, 'helper')).json() as Page<{
          jti: string
          user: number
          username: string | null
          blacklisted_at: string | null
        }>
        expect(listed.count).toBe(1)
        const [token] = listed.results
        expect(token).toMatchObject({ user: id, username: 'ivy', blacklisted_at: null })
        const res = await call('POST', `/api/admin/tokens/${token?.jti}/blacklist/`, 'root')
        expect(res.statusCode).toBe(200)
        expect(res.json()).toMatchObject({ user: id, username: 'ivy' })
        expect(res.json().blacklisted_at).toBeTypeOf('string')
        const refresh = await server.app.inject({
          method: 'POST',
          url: '/api/token/refresh/',
          payload: { refresh: pair.refresh },
        })
        expect(refresh.statusCode).toBe(401)
        const me = await server.app.inject({
          method: 'GET',
          url: '/api/me/',
          headers: { authorization: `Bearer ${pair.access}` },
        })
        expect(me.statusCode).toBe(401)
        const blacklisted = (
          await call('GET', `/api/admin/tokens/?user=${id}&blacklisted=true`, 'helper')
        ).json()
        expect(blacklisted.results.map((row: { jti: string }) => row.jti)).toEqual([token?.jti])
        expect(
          (await call('GET', `/api/admin/tokens/?user=${id}&blacklisted=false`, 'helper')).json().count,
        ).toBe(0)
        expect(
          (await call('POST', '/api/admin/tokens/0123456789abcdef0123456789abcdef/blacklist/', 'root'))
            .statusCode,
        ).toBe(404)
        expect((await call('GET', '/api/admin/tokens/?user=me', 'helper')).json()).toEqual({
          user: ['Enter a whole number.'],
        })
      })
    })

    describe('introspection clients', () => {
      const introspect = (authorization: string) =>
        server.app.inject({
          method: 'POST',
          url: '/api/token/introspect/',
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ token: tokens.root?.access ?? '' }).toString(),
        })

      it('creates (secret shown once), rotates and deletes', async () => {
        const created = await call('POST', '/api/admin/clients/', 'root', { name: 'Reports' })
        expect(created.statusCode).toBe(201)
        const { client_id: clientId, client_secret: secret } = created.json()
        expect((await introspect(basic(clientId, secret))).statusCode).toBe(200)
        const listed = (await call('GET', '/api/admin/clients/', 'helper')).json()
        expect(listed.results).toEqual([
          { client_id: clientId, name: 'Reports', created_at: expect.any(String) },
        ])
        expect(JSON.stringify(listed)).not.toContain(secret)
        const rotated = await call('POST', `/api/admin/clients/${clientId}/rotate/`, 'root')
        expect(rotated.statusCode).toBe(200)
        const fresh = rotated.json().client_secret
        expect(fresh).not.toBe(secret)
        expect((await introspect(basic(clientId, secret))).statusCode).toBe(401)
        expect((await introspect(basic(clientId, fresh))).statusCode).toBe(200)
        expect((await call('DELETE', `/api/admin/clients/${clientId}/`, 'root')).statusCode).toBe(204)
        expect((await introspect(basic(clientId, fresh))).statusCode).toBe(401)
        expect((await call('DELETE', `/api/admin/clients/${clientId}/`, 'root')).statusCode).toBe(404)
        const audit = (await call('GET', '/api/admin/audit/?event=client_secret_rotated', 'root')).json()
        expect(audit.results[0].detail).toEqual({ client_id: clientId, actor: ids.root })
        expect(JSON.stringify((await call('GET', '/api/admin/audit/', 'root')).json())).not.toContain(fresh)
      })
    })

    describe('keys', () => {
      it('answers 409 keys_not_managed when keys come from SIGNING_KEY', async () => {
        const res = await call('GET', '/api/admin/keys/', 'helper')
        expect(res.statusCode).toBe(409)
        expect(res.json()).toEqual({
          detail:
            'Keys come from SIGNING_KEY or SIGNING_KEYS, not from a key ring under KEY_DIR: change them there.',
          code: 'keys_not_managed',
        })
      })
    })

    describe('audit log', () => {
      it('filters by IP and time, refuses bad filters, and exports CSV safely', async () => {
        // A write whose user agent a spreadsheet would run as a formula, with quotes and commas.
        const agent = '=HYPERLINK("http://evil.example/?x=1,2","click")'
        const res = await call(
          'POST',
          '/api/admin/groups/',
          'root',
          { name: '@risky,"group"' },
          { 'user-agent': agent },
        )
        expect(res.statusCode).toBe(201)
        const since = new Date(server.clock.now() - 60_000).toISOString()
        const until = new Date(server.clock.now() + 60_000).toISOString()
        const filtered = (
          await call(
            'GET',
            `/api/admin/audit/?ip=127.0.0.1&since=${since}&until=${until}&event=group_created`,
            'root',
          )
        ).json()
        expect(filtered.results.some((entry: { user_agent: string }) => entry.user_agent === agent)).toBe(
          true,
        )
        const later = (await call('GET', `/api/admin/audit/?since=${until}`, 'root')).json()
        expect(later.count).toBe(0)
        const bad = await call('GET', '/api/admin/audit/?ip=not-an-ip&since=yesterday', 'root')
        expect(bad.statusCode).toBe(400)
        expect(bad.json()).toEqual({
          ip: ['Enter a valid IPv4 or IPv6 address.'],
          since: ['Enter a valid date/time.'],
        })

        for (const url of [
          '/api/admin/audit/export/?event=group_created',
          '/api/admin/audit/?event=group_created&format=csv',
        ]) {
          const csv = await call('GET', url, 'helper')
          expect(csv.statusCode, url).toBe(200)
          expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8')
          expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="audit-.*\.csv"$/)
          expect(csv.headers['cache-control']).toBe('no-store')
          const lines = csv.body.split('\r\n')
          expect(lines[0]).toBe('id,at,event,user,ip,user_agent,detail,username')
          const row = lines.find((line) => line.includes('HYPERLINK')) as string
          expect(row).toContain(`,"'=HYPERLINK(""http://evil.example/?x=1,2"",""click"")",`)
          expect(row).toContain(`"{""group"":""@risky,\\""group\\"""",""actor"":${ids.root}}"`)
          expect(row).toMatch(/,group_created,,127\.0\.0\.1,/)
        }
        const exported = (await call('GET', '/api/admin/audit/?event=audit_exported', 'root')).json()
        expect(exported.count).toBe(2)
        expect(exported.results[0].detail).toMatchObject({ actor: ids.helper, rows: 3 })
      })
    })

    describe('usernames in the token list and the audit log', () => {
      it('names the user of each row, and answers null once the user is gone', async () => {
        const id = await makeUser('olga')
        await login('olga')
        const tokensOf = async (user: number) =>
          (await call('GET', `/api/admin/tokens/?user=${user}`, 'helper')).json() as Page<{
            user: number
            username: string | null
          }>
        const auditOf = async (user: number) =>
          (await call('GET', `/api/admin/audit/?user=${user}`, 'helper')).json() as Page<{
            user: number | null
            username: string | null
          }>
        expect((await tokensOf(id)).results).toEqual([
          expect.objectContaining({ user: id, username: 'olga' }),
        ])
        const before = await auditOf(id)
        expect(before.count).toBeGreaterThan(0)
        expect(before.results.every((entry) => entry.username === 'olga')).toBe(true)
        // Events without a user have no name either.
        const group = await call('POST', '/api/admin/groups/', 'root', { name: 'nameless-event' })
        expect(group.statusCode).toBe(201)
        const created = (await call('GET', '/api/admin/audit/?event=group_created', 'root')).json()
        expect(created.results[0]).toMatchObject({ user: null, username: null })

        // The trail outlives the user; its tokens go with it (a token left for a missing user,
        // as a ledger shared with another users table may hold, is listed without a name).
        expect(await server.stores.users.delete(id)).toBe(true)
        const after = await auditOf(id)
        expect(after.count).toBe(before.count)
        expect(after.results.every((entry) => entry.user === id && entry.username === null)).toBe(true)
        const now = new Date(server.clock.now())
        await server.stores.ledger.recordIssued({
          jti: `orphan${id}${backend}`,
          userId: id,
          familyId: `orphan${id}${backend}`,
          parentJti: null,
          createdAt: now,
          expiresAt: new Date(now.getTime() + 60_000),
          userAgent: null,
          ip: null,
        })
        expect((await tokensOf(id)).results).toEqual([expect.objectContaining({ user: id, username: null })])
        const csv = (await call('GET', `/api/admin/audit/export/?user=${id}`, 'helper')).body.split('\r\n')
        expect(csv[0]).toBe('id,at,event,user,ip,user_agent,detail,username')
        expect(csv[1]).toMatch(new RegExp(`^\\d+,[^,]+,\\w+,${id},.*,$`))
      })

      it('names each row of a page after its own user', async () => {
        for (const name of ['pia', 'quinn', 'rhea']) {
          await makeUser(name)
          await login(name)
        }
        const page = (await call('GET', '/api/admin/tokens/?page_size=100', 'helper')).json() as Page<{
          user: number
          username: string | null
        }>
        for (const name of ['pia', 'quinn', 'rhea']) {
          expect(page.results).toContainEqual(expect.objectContaining({ user: ids[name], username: name }))
        }
        const audit = (
          await call('GET', '/api/admin/audit/?event=login_succeeded', 'helper')
        ).json() as Page<{
          user: number
          username: string | null
        }>
        for (const name of ['pia', 'quinn', 'rhea']) {
          expect(audit.results).toContainEqual(expect.objectContaining({ user: ids[name], username: name }))
        }
      })
    })
  })
}

describe('admin API switched off', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer('sqlite', { ADMIN_ENABLED: false })
    const id = await server.createUser({ username: 'root', password: PASSWORD, isStaff: true })
    await server.stores.users.update(id, { isSuperuser: true })
  })
  afterAll(async () => server.dispose())

  it('answers 404 on every admin path, even to a superuser', async () => {
    const { access } = (
      await server.app.inject({
        method: 'POST',
        url: '/api/token/',
        payload: { username: 'root', password: PASSWORD },
      })
    ).json()
    for (const url of ['/api/admin/users/', '/api/admin/audit/export/', '/api/admin/keys/']) {
      const res = await server.app.inject({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${access}` },
      })
      expect(res.statusCode, url).toBe(404)
      expect(res.json()).toEqual({ detail: 'Not found.' })
    }
  })
})
