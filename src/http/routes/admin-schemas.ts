/**
 * JSON schemas of the admin API's routes, for the OpenAPI document (`tags: ['admin']`). They
 * describe; the accounts room's validators decide (route.ts attaches them as documentation only).
 */
import type { FastifySchema } from 'fastify'

type Schema = Record<string, unknown>

const string = { type: 'string' } as const
const nullableString = { type: ['string', 'null'] } as const
const dateTime = { type: 'string', format: 'date-time' } as const
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const
const boolean = { type: 'boolean' } as const
const integer = { type: 'integer' } as const

const object = (
  properties: Record<string, unknown>,
  required: readonly string[] = Object.keys(properties),
): Schema => ({
  type: 'object',
  properties,
  required: [...required],
})

/** `{detail}` or `{detail, code}`: DRF's and simplejwt's error bodies. */
const detailError = object({ detail: string, code: string }, ['detail'])
/** DRF's field errors: `{field: [message, …]}`. */
const fieldErrors: Schema = {
  type: 'object',
  description: 'DRF field errors: each invalid field with its messages',
  additionalProperties: { type: 'array', items: string },
}

const adminUser = object({
  id: integer,
  username: string,
  email: string,
  email_verified: { type: ['boolean', 'null'] },
  first_name: string,
  last_name: string,
  is_active: boolean,
  is_staff: boolean,
  is_superuser: boolean,
  date_joined: dateTime,
  last_login: nullableDateTime,
  groups: { type: 'array', items: string },
  has_mfa: { type: 'boolean', description: 'a confirmed TOTP secret or a passkey guards the account' },
})
const session = object({
  id: string,
  device: string,
  user_agent: nullableString,
  ip: nullableString,
  created: dateTime,
  last_used: dateTime,
  expires: dateTime,
})
const group = object({ id: integer, name: string, member_count: integer })
const member = object({ id: integer, username: string })
const token = object({
  jti: string,
  user: integer,
  username: { ...nullableString, description: "the user's username; null once the user is deleted" },
  session: string,
  created_at: dateTime,
  expires_at: dateTime,
  blacklisted_at: nullableDateTime,
})
const auditEvent = object({
  id: integer,
  at: dateTime,
  event: string,
  user: { type: ['integer', 'null'], description: 'id of the user the event is about' },
  username: {
    ...nullableString,
    description: "that user's username; null without a user or once the user is deleted",
  },
  ip: nullableString,
  user_agent: nullableString,
  detail: { type: 'object', additionalProperties: true },
})
const client = object({ client_id: string, name: string, created_at: dateTime })
const clientCredentials = object({
  client_id: string,
  client_secret: string,
  name: string,
  created_at: dateTime,
})
const key = object({
  kid: string,
  alg: string,
  status: { type: 'string', enum: ['active', 'next', 'retired'] },
  created: dateTime,
  signing: boolean,
})

/** DRF's `PageNumberPagination` answer around `item`. */
const page = (item: Schema): Schema =>
  object({
    count: integer,
    next: { type: ['string', 'null'], format: 'uri' },
    previous: { type: ['string', 'null'], format: 'uri' },
    results: { type: 'array', items: item },
  })

const paging = {
  page: { type: 'string', description: 'page number (1-based) or "last"' },
  page_size: { type: 'integer', minimum: 1, description: 'rows per page (default 50, at most 500)' },
}
const ordering = (fields: readonly string[]) => ({
  ordering: {
    type: 'string',
    description: `comma-separated fields, "-" for descending: ${fields.join(', ')}`,
  },
})
const flagFilter = (what: string) => ({ type: 'string', enum: ['true', 'false'], description: what })

/** The answers every admin route may give besides its success. */
const refusals = (write: boolean): Record<string, Schema> => ({
  ...(write ? { 400: fieldErrors } : {}),
  401: detailError,
  403: detailError,
  404: detailError,
})

const idParam = (name: string, type: 'integer' | 'string' = 'integer'): Schema => object({ [name]: { type } })

interface RouteDoc {
  summary: string
  description?: string
  params?: Schema
  querystring?: Record<string, unknown>
  body?: Schema
  /** Status to schema; null for an empty answer (204). */
  success: [number, Schema | null]
  write: boolean
}

/** One route's schema: tagged `admin`, bearer-authenticated, with the refusals it may answer. */
function route(doc: RouteDoc): FastifySchema {
  const [status, answer] = doc.success
  return {
    tags: ['admin'],
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    security: [{ bearerAuth: [] }],
    ...(doc.params ? { params: doc.params } : {}),
    ...(doc.querystring ? { querystring: { type: 'object', properties: doc.querystring } } : {}),
    ...(doc.body ? { body: doc.body } : {}),
    response: {
      [status]: answer ?? { type: 'null', description: 'No content' },
      ...refusals(doc.write),
    },
  } as FastifySchema
}

const userChange = {
  type: 'object',
  properties: {
    email: string,
    email_verified: boolean,
    is_active: boolean,
    is_staff: boolean,
    is_superuser: boolean,
    groups: { type: 'array', items: string, description: 'names of existing groups' },
  },
}

export const SCHEMAS = {
  listUsers: route({
    summary: 'List users',
    querystring: {
      ...paging,
      search: { type: 'string', description: 'part of the username or e-mail; several terms must all match' },
      is_active: flagFilter('active accounts only, or inactive only'),
      is_staff: flagFilter('staff only, or non-staff only'),
      is_superuser: flagFilter('superusers only, or others only'),
      email_verified: flagFilter('verified addresses only, or unverified only'),
      has_mfa: flagFilter(
        'users with a second factor (a confirmed TOTP secret or a passkey) only, or without one only',
      ),
      ...ordering(['id', 'username', 'email', 'date_joined', 'last_login']),
    },
    success: [200, page(adminUser)],
    write: false,
  }),
  createUser: route({
    summary: 'Create a user',
    description: "Django's password validators apply; groups must exist.",
    body: {
      type: 'object',
      required: ['username', 'email', 'password'],
      properties: { username: string, password: string, ...userChange.properties },
    },
    success: [201, adminUser],
    write: true,
  }),
  getUser: route({
    summary: 'Retrieve a user',
    params: idParam('id'),
    success: [200, adminUser],
    write: false,
  }),
  updateUser: route({
    summary: 'Change a user',
    description:
      "Deactivating, demoting or removing a group voids the user's tokens as logout-all does. A superuser cannot deactivate or demote themselves.",
    params: idParam('id'),
    body: userChange,
    success: [200, adminUser],
    write: true,
  }),
  setPassword: route({
    summary: "Set a user's password",
    description: "Django's password validators apply; every session of the user ends.",
    params: idParam('id'),
    body: object({ password: string }),
    success: [200, object({})],
    write: true,
  }),
  listSessions: route({
    summary: "List a user's sessions",
    params: idParam('id'),
    querystring: paging,
    success: [200, page(session)],
    write: false,
  }),
  endSession: route({
    summary: "End one of a user's sessions",
    params: object({ id: integer, sid: string }),
    success: [204, null],
    write: true,
  }),
  logoutAll: route({
    summary: 'End every session of a user',
    params: idParam('id'),
    success: [200, object({ sessions: integer })],
    write: true,
  }),
  resetMfa: route({
    summary: "Remove a user's second factors (TOTP, passkeys, recovery codes) and end their sessions",
    params: idParam('id'),
    success: [200, object({ totp: { type: 'boolean' }, passkeys: integer, sessions: integer })],
    write: true,
  }),
  listGroups: route({
    summary: 'List groups',
    querystring: { ...paging, search: { type: 'string' }, ...ordering(['id', 'name']) },
    success: [200, page(group)],
    write: false,
  }),
  createGroup: route({
    summary: 'Create a group',
    body: object({ name: string }),
    success: [201, group],
    write: true,
  }),
  getGroup: route({
    summary: 'Retrieve a group',
    params: idParam('id'),
    success: [200, group],
    write: false,
  }),
  renameGroup: route({
    summary: 'Rename a group',
    description: "Members' tokens are voided (their roles claim names the old group).",
    params: idParam('id'),
    body: object({ name: string }),
    success: [200, group],
    write: true,
  }),
  deleteGroup: route({
    summary: 'Delete a group',
    description: "Members' tokens are voided.",
    params: idParam('id'),
    success: [204, null],
    write: true,
  }),
  listMembers: route({
    summary: "List a group's members",
    params: idParam('id'),
    querystring: paging,
    success: [200, page(member)],
    write: false,
  }),
  addMember: route({
    summary: 'Add a member to a group',
    params: idParam('id'),
    body: object({ user_id: integer }),
    success: [200, member],
    write: true,
  }),
  removeMember: route({
    summary: 'Remove a member from a group',
    description: "The user's tokens are voided.",
    params: object({ id: integer, user_id: integer }),
    success: [204, null],
    write: true,
  }),
  listTokens: route({
    summary: 'List refresh tokens (outstanding and blacklisted)',
    querystring: {
      ...paging,
      user: { type: 'integer', description: 'user id' },
      blacklisted: flagFilter('blacklisted only, or not blacklisted only'),
      ...ordering(['created_at', 'expires_at']),
    },
    success: [200, page(token)],
    write: false,
  }),
  blacklistToken: route({
    summary: 'Blacklist a refresh token',
    description: 'Ends its session as a logout with it does: its access tokens are void too.',
    params: idParam('jti', 'string'),
    success: [200, token],
    write: true,
  }),
  listAudit: route({
    summary: 'List audit events',
    description: 'With format=csv, the matching events as CSV (as /admin/audit/export/).',
    querystring: {
      ...paging,
      user: { type: 'integer', description: 'user id the event is about' },
      event: string,
      ip: string,
      since: {
        type: 'string',
        format: 'date-time',
        description: 'at or after (ISO 8601; UTC without an offset)',
      },
      until: { type: 'string', format: 'date-time', description: 'before (ISO 8601; UTC without an offset)' },
      format: { type: 'string', enum: ['json', 'csv'] },
      ...ordering(['at', 'id']),
    },
    success: [200, page(auditEvent)],
    write: false,
  }),
  exportAudit: route({
    summary: 'Export audit events as CSV',
    description:
      "The list's filters and ordering; cells that a spreadsheet would run as formulas are quoted.",
    querystring: {
      user: integer,
      event: string,
      ip: string,
      since: { type: 'string', format: 'date-time' },
      until: { type: 'string', format: 'date-time' },
      ...ordering(['at', 'id']),
    },
    success: [200, { type: 'string', description: 'text/csv' }],
    write: false,
  }),
  listClients: route({
    summary: 'List introspection clients',
    querystring: { ...paging, ...ordering(['name', 'created_at']) },
    success: [200, page(client)],
    write: false,
  }),
  createClient: route({
    summary: 'Create an introspection client',
    description: 'The secret is in this answer only: only its hash is kept.',
    body: object({ name: string }),
    success: [201, clientCredentials],
    write: true,
  }),
  rotateClient: route({
    summary: "Replace a client's secret",
    description: 'The old secret stops working at once; the new one is in this answer only.',
    params: idParam('client_id', 'string'),
    success: [200, clientCredentials],
    write: true,
  }),
  deleteClient: route({
    summary: 'Delete an introspection client',
    params: idParam('client_id', 'string'),
    success: [204, null],
    write: true,
  }),
  listKeys: route({
    summary: 'List signing keys',
    description: 'Only for keys from the KEY_DIR ring file (409 keys_not_managed otherwise).',
    querystring: paging,
    success: [200, page(key)],
    write: false,
  }),
  stageKey: route({
    summary: 'Stage a new key',
    description: 'It verifies at once and signs once promoted; of the server ALGORITHM.',
    body: { type: 'object', properties: { algorithm: string } },
    success: [201, key],
    write: true,
  }),
  promoteKey: route({
    summary: 'Promote a staged key',
    description: 'It signs new tokens from now on.',
    params: idParam('kid', 'string'),
    success: [200, key],
    write: true,
  }),
  retireKey: route({
    summary: 'Retire a key',
    description: 'Its tokens are refused from now on; the signing key cannot be retired.',
    params: idParam('kid', 'string'),
    success: [200, key],
    write: true,
  }),
} as const
