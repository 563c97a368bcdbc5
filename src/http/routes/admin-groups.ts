import { ADMIN_PATHS } from '@tessera/protocol'
import { runIntegerField } from '../../accounts/validators/drf-values.js'
import { requireObject } from '../../accounts/validators/drf-fields.js'
import { ValidationFailed } from '../../core/errors.js'
import type { GroupSummary } from '../../store/ports.js'
import { fetchPage, pageAnswer, param, readOrdering, readPage } from '../admin-query.js'
import { groupView } from '../admin-views.js'
import { NotFound } from '../errors.js'
import { defineRoute } from '../route.js'
import { type AdminRouteContext, adminPath, pathId } from './admin.js'
import { SCHEMAS } from './admin-schemas.js'

/** Groups (the `roles` claim): list, create, rename, delete, members. */
export function adminGroupRoutes({ app, deps, admin, prefix, guard }: AdminRouteContext): void {
  const { authenticate } = deps
  const path = (template: string) => adminPath(prefix, template)
  const groupOf = async (id: number): Promise<GroupSummary> => {
    const group = await admin.directory.findGroup(id)
    if (group === undefined) throw new NotFound()
    return group
  }

  defineRoute(app, authenticate, {
    path: path(ADMIN_PATHS.groups),
    authenticated: true,
    noStore: true,
    schema: { GET: SCHEMAS.listGroups, POST: SCHEMAS.createGroup },
    handlers: {
      GET: guard('read', async (request) => {
        const search = param(request, 'search')
        const ordering = readOrdering(request, ['id', 'name'] as const, [
          { field: 'name', descending: false },
        ])
        const fetched = await fetchPage(readPage(request), ordering, (slice) =>
          admin.directory.listGroups({ ...(search ? { search } : {}), ...slice }),
        )
        return pageAnswer(request, fetched, groupView)
      }),
      POST: guard('write', async (request, reply, actor) => {
        const group = await admin.groups.create(request.body, actor)
        reply.code(201)
        return groupView(group)
      }),
    },
  })

  defineRoute(app, authenticate, {
    path: path(ADMIN_PATHS.group),
    authenticated: true,
    noStore: true,
    schema: { GET: SCHEMAS.getGroup, PATCH: SCHEMAS.renameGroup, DELETE: SCHEMAS.deleteGroup },
    handlers: {
      GET: guard('read', async (request) => groupView(await groupOf(pathId(request, 'id')))),
      PATCH: guard('write', async (request, _reply, actor) => {
        const renamed = await admin.groups.rename(pathId(request, 'id'), request.body, actor)
        if (renamed === undefined) throw new NotFound()
        return groupView(renamed)
      }),
      DELETE: guard('write', async (request, reply, actor) => {
        if (!(await admin.groups.delete(pathId(request, 'id'), actor))) throw new NotFound()
        reply.code(204)
        return null
      }),
    },
  })

  defineRoute(app, authenticate, {
    path: path(ADMIN_PATHS.groupMembers),
    authenticated: true,
    noStore: true,
    schema: { GET: SCHEMAS.listMembers, POST: SCHEMAS.addMember },
    handlers: {
      GET: guard('read', async (request) => {
        const group = await groupOf(pathId(request, 'id'))
        const members = await admin.directory.groupMembers(group.id)
        const fetched = await fetchPage(readPage(request), [], async (slice) => ({
          count: members.length,
          rows: members.slice(slice.offset, slice.offset + slice.limit),
        }))
        return pageAnswer(request, fetched, (member) => member)
      }),
      POST: guard('write', async (request, _reply, actor) => {
        const group = await groupOf(pathId(request, 'id'))
        const body = requireObject(request.body)
        const userId = Object.hasOwn(body, 'user_id')
          ? runIntegerField(body.user_id)
          : { ok: false as const, errors: ['This field is required.'] }
        if (!userId.ok) throw new ValidationFailed({ user_id: userId.errors })
        const user = await deps.users.findById(userId.value)
        if (user === undefined) {
          throw new ValidationFailed({ user_id: [`Invalid pk "${userId.value}" - object does not exist.`] })
        }
        await admin.groups.setMember(group, user.id, true, actor)
        return { id: user.id, username: user.username }
      }),
    },
  })

  defineRoute(app, authenticate, {
    path: path(ADMIN_PATHS.groupMember),
    authenticated: true,
    schema: { DELETE: SCHEMAS.removeMember },
    handlers: {
      DELETE: guard('write', async (request, reply, actor) => {
        const group = await groupOf(pathId(request, 'id'))
        if (!(await admin.groups.setMember(group, pathId(request, 'user_id'), false, actor)))
          throw new NotFound()
        reply.code(204)
        return null
      }),
    },
  })
}
