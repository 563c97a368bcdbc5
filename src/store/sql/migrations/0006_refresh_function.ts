/**
 * PostgreSQL: a refresh's two trips to the database (read the user with their groups, then
 * `tessera_rotate()`) as one function call. Under a refresh load the database was the busiest
 * process, and each statement costs it a wake-up, a parse and a plan, and a reply on the socket;
 * PL/pgSQL keeps its statements' plans for the life of the connection.
 *
 * It reads the token's user and their group names; when the user is active it rotates exactly as
 * `tessera_rotate()` does (the same function, so the rotation rules live in one place), and it
 * answers the user, the groups and the family as JSON (`row_to_json` follows the users table as
 * later migrations change it). Null when the user no longer exists; no family when the user is
 * inactive (nothing changed) or the claim failed (nothing changed: the ledger finds out why).
 * `tessera_rotate()`'s TSR01 goes through to the caller and undoes the whole call.
 *
 * `tessera_refresh_rotate_many()` does the same for the refreshes of one event-loop turn, given as
 * a JSON array, in one statement and one commit (refresh-batch.ts). It takes them in `old_jti`
 * order, the order every writer that locks several tokens uses, so two batches cannot deadlock.
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
      create function tessera_refresh_rotate(
        owner_id integer, old_jti varchar, old_expires_at bigint, at_ms bigint, blacklist_old boolean,
        new_jti varchar, new_created_at bigint, new_expires_at bigint, new_user_agent text, new_ip varchar
      ) returns json
      language plpgsql
      as $$
      declare
        account users%rowtype;
        group_names json;
        family varchar;
      begin
        select * into account from users where id = owner_id;
        if not found then
          return null;
        end if;
        select coalesce(json_agg(g.name), '[]'::json) into group_names
          from user_groups ug join groups g on g.id = ug.group_id
         where ug.user_id = owner_id;
        if account.is_active then
          family := tessera_rotate(old_jti, old_expires_at, at_ms, blacklist_old, new_jti, owner_id,
                                   new_created_at, new_expires_at, new_user_agent, new_ip);
        end if;
        return json_build_object('user', row_to_json(account), 'groups', group_names, 'family', family);
      end
      $$`.execute(db)
    await sql`
      create function tessera_refresh_rotate_many(requests json) returns json
      language plpgsql
      as $$
      declare
        r record;
        answers json[] := array[]::json[];
      begin
        for r in
          select * from json_to_recordset(requests) as x(
            i integer, owner_id integer, old_jti varchar, old_expires_at bigint, at_ms bigint,
            blacklist_old boolean, new_jti varchar, new_created_at bigint, new_expires_at bigint,
            new_user_agent text, new_ip varchar)
          order by x.old_jti, x.i
        loop
          answers := array_append(answers, json_build_object('i', r.i, 'answer', tessera_refresh_rotate(
            r.owner_id, r.old_jti, r.old_expires_at, r.at_ms, r.blacklist_old, r.new_jti,
            r.new_created_at, r.new_expires_at, r.new_user_agent, r.new_ip)));
        end loop;
        return array_to_json(answers);
      end
      $$`.execute(db)
  },

  async down(db: Kysely<unknown>, dialect: SqlDialect) {
    if (dialect !== 'postgres') return
    await sql`drop function tessera_refresh_rotate_many(json)`.execute(db)
    await sql`drop function tessera_refresh_rotate(integer, varchar, bigint, bigint, boolean, varchar, bigint, bigint, text, varchar)`.execute(
      db,
    )
  },
}
