/**
 * PostgreSQL: refresh-token rotation as one function call, so the common case is one round trip
 * instead of five (BEGIN, claim, insert, blacklist, COMMIT). Round trips were most of a refresh's
 * cost there: each statement is a socket write, a wake-up of a backend, and a parse and plan,
 * where PL/pgSQL keeps its statements' plans for the life of the connection.
 *
 * It does only the common case: claim, record the replacement, blacklist the old token. When the
 * claim fails (already rotated, blacklisted, or a token the ledger never saw) it changes nothing
 * and answers null, and the ledger finds out why in a transaction of its own (ledger.ts). When a
 * logout blacklisted the token between the claim's snapshot and its row lock, it raises
 * SQLSTATE TSR01, which undoes the whole call.
 *
 * SQLite needs no such function: it runs in-process, where a statement costs microseconds.
 */
import { type Kysely, sql } from 'kysely'
import type { SqlDialect } from '../connect.js'
import type { DialectMigration } from './types.js'

export const migration: DialectMigration = {
  async up(db: Kysely<unknown>, dialect: SqlDialect) {
    if (dialect !== 'postgres') return
    await sql`
      create function tessera_rotate(
        old_jti varchar, old_expires_at bigint, at_ms bigint, blacklist_old boolean,
        new_jti varchar, new_user_id integer, new_created_at bigint, new_expires_at bigint,
        new_user_agent text, new_ip varchar
      ) returns varchar
      language plpgsql
      as $$
      declare
        family varchar;
      begin
        update outstanding_tokens
           set rotated_at = at_ms, replaced_by = new_jti, last_used_at = at_ms
         where jti = old_jti
           and rotated_at is null
           and not exists (select 1 from blacklisted_tokens b where b.jti = old_jti)
        returning family_id into family;
        if family is null then
          return null;
        end if;
        if new_jti is not null then
          insert into outstanding_tokens
            (jti, user_id, family_id, parent_jti, created_at, expires_at, last_used_at, user_agent, ip)
          values
            (new_jti, new_user_id, family, old_jti, new_created_at, new_expires_at, at_ms, new_user_agent, new_ip);
        end if;
        -- Each statement here takes a fresh snapshot: a logout committed while the claim waited
        -- for the row lock is seen now.
        if blacklist_old then
          insert into blacklisted_tokens (jti, blacklisted_at, expires_at)
          values (old_jti, at_ms, old_expires_at)
          on conflict (jti) do nothing;
          if not found then
            raise exception 'token % was blacklisted during its rotation', old_jti using errcode = 'TSR01';
          end if;
        elsif exists (select 1 from blacklisted_tokens b where b.jti = old_jti) then
          raise exception 'token % was blacklisted during its rotation', old_jti using errcode = 'TSR01';
        end if;
        return family;
      end
      $$`.execute(db)
  },

  async down(db: Kysely<unknown>, dialect: SqlDialect) {
    if (dialect !== 'postgres') return
    await sql`drop function tessera_rotate(varchar, bigint, bigint, boolean, varchar, integer, bigint, bigint, text, varchar)`.execute(
      db,
    )
  },
}
