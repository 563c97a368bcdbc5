/** The admin API's JSON views of domain records (snake_case, ISO 8601 times). */
import type {
  AdminAuditEvent,
  AdminClient,
  AdminClientCredentials,
  AdminGroup,
  AdminKey,
  AdminToken,
  AdminUser,
} from '@tessera/protocol'
import type { ClientCredentials } from '../accounts/clients.js'
import type { KeySummary } from '../keys/index.js'
import type {
  AdminUserRow,
  ApiClientRecord,
  GroupSummary,
  StoredAuditEvent,
  TokenListing,
} from '../store/ports.js'

export function adminUserView({ user, groups, hasMfa }: AdminUserRow): AdminUser {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    email_verified: user.emailVerified ?? null,
    first_name: user.firstName,
    last_name: user.lastName,
    is_active: user.isActive,
    is_staff: user.isStaff,
    is_superuser: user.isSuperuser,
    date_joined: user.dateJoined.toISOString(),
    last_login: user.lastLogin === null ? null : user.lastLogin.toISOString(),
    groups,
    has_mfa: hasMfa,
  }
}

export const groupView = (group: GroupSummary): AdminGroup => ({
  id: group.id,
  name: group.name,
  member_count: group.memberCount,
})

export const tokenView = (token: TokenListing): AdminToken => ({
  jti: token.jti,
  user: token.userId,
  username: token.username,
  session: token.familyId,
  created_at: token.createdAt.toISOString(),
  expires_at: token.expiresAt.toISOString(),
  blacklisted_at: token.blacklistedAt === null ? null : token.blacklistedAt.toISOString(),
})

export const auditView = (event: StoredAuditEvent): AdminAuditEvent => ({
  id: event.id,
  at: event.at.toISOString(),
  event: event.event,
  user: event.userId,
  username: event.username,
  ip: event.ip,
  user_agent: event.userAgent,
  detail: event.detail,
})

export const clientView = (client: Omit<ApiClientRecord, 'secretHash'>): AdminClient => ({
  client_id: client.clientId,
  name: client.name,
  created_at: client.createdAt.toISOString(),
})

export const credentialsView = (client: ClientCredentials): AdminClientCredentials => ({
  client_id: client.clientId,
  client_secret: client.secret,
  name: client.name,
  created_at: client.createdAt.toISOString(),
})

export const keyView = (key: KeySummary): AdminKey => ({
  kid: key.kid,
  alg: key.alg,
  status: key.status,
  created: key.createdAt,
  signing: key.signing,
})
