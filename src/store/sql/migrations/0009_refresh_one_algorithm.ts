/**
 * PostgreSQL: refresh-token rotation as one function, `tessera_refresh()`, with every outcome, so the
 * ledger has one algorithm on this backend (SQLite's is the transaction in ledger.ts) and never falls
 * back to another. It replaces `tessera_rotate()` (0005) and `tessera_refresh_rotate()` (0006), which
 * answered only the common case and left the rest to a second, client-side transaction.
 *
 * `tessera_refresh()` optionally reads the token's user with their group names first: when the user
 * is gone it answers `{"user": null}`, when inactive the user and no outcome, changing nothing. Then
 * it claims the old token (marks it rotated if nobody has and it is not blacklisted; recording it
 * first when the ledger never saw it), records the replacement in the old token's family, and
 * blacklists the old token. When the claim fails it answers why: `already_rotated` (with when, the
 * family, and the replacement's state, so the caller can answer a benign race with that same
 * replacement) or `blacklisted`. A logout that blacklisted the token while the claim waited for its
 * row lock raises SQLSTATE TSR01, which undoes the whole call.
 *
 * `tessera_refresh_many()` does the same for the refreshes of one event-loop turn, given as a JSON
 * array, in one statement and one commit (refresh-batch.ts). It takes them in `old_jti` order, the
 * order every writer that locks several tokens uses, so two batches cannot deadlock.
 */
import { type Kysely, sql } from 'kysely'
import type { SqlDialect } from '../connect.js'
import { migration as rotateFunction } from './0005_rotate_function.js'
import { migration as refreshFunction } from './0006_refresh_function.js'
import type { DialectMigration } from './types.js'

export const migration: DialectMigration = {
  async up(db: Kysely<unknown>, dialect: SqlDialect) {
    if (dialect !== 'postgres') return
    await refreshFunction.down(db, dialect)
    await rotateFunction.down(db, dialect)
    await sql`
      create function tessera_refresh(
        owner_id integer, read_user boolean, old_jti varchar, old_created_at bigint,
        old_expires_at bigint, at_ms bigint, blacklist_old boolean, new_jti varchar,
        new_created_at bigint, new_expires_at bigint, user_agent text, ip varchar
      ) returns json
      language plpgsql
      as $$
      declare
        account users%rowtype;
        group_names json := null;
        user_json json := null;
        family varchar;
        old_row outstanding_tokens%rowtype;
        child outstanding_tokens%rowtype;
        child_json json := null;
        attempt integer;
      begin
        if read_user then
          select * into account from users where id = owner_id;
          if not found then
            return json_build_object('user', null);
          end if;
          select coalesce(json_agg(g.name), '[]'::json) into group_names
            from user_groups ug join groups g on g.id = ug.group_id
           where ug.user_id = owner_id;
          user_json := row_to_json(account);
          if not account.is_active then
            return json_build_object('user', user_json, 'groups', group_names);
          end if;
        end if;
        -- Twice at most: the second pass follows the recording of a token the ledger never saw.
        for attempt in 1..2 loop
          update outstanding_tokens
             set rotated_at = at_ms, replaced_by = new_jti, last_used_at = at_ms
           where jti = old_jti
             and rotated_at is null
             and not exists (select 1 from blacklisted_tokens b where b.jti = old_jti)
          returning family_id into family;
          if family is not null then
            if new_jti is not null then
              insert into outstanding_tokens
                (jti, user_id, family_id, parent_jti, created_at, expires_at, last_used_at, user_agent, ip)
              values
                (new_jti, owner_id, family, old_jti, new_created_at, new_expires_at, at_ms, user_agent, ip);
            end if;
            -- Each statement takes a fresh snapshot: a logout committed while the claim waited
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
            return json_build_object('user', user_json, 'groups', group_names,
                                     'outcome', 'rotated', 'family', family);
          end if;
          select * into old_row from outstanding_tokens where jti = old_jti;
          if found and old_row.rotated_at is not null then
            if old_row.replaced_by is not null then
              select * into child from outstanding_tokens where jti = old_row.replaced_by;
              if found then
                child_json := json_build_object(
                  'jti', child.jti, 'created_at', child.created_at, 'expires_at', child.expires_at,
                  'unused', child.rotated_at is null
                    and not exists (select 1 from blacklisted_tokens b where b.jti = child.jti));
              end if;
            end if;
            return json_build_object('user', user_json, 'groups', group_names,
              'outcome', 'already_rotated', 'rotated_at', old_row.rotated_at,
              'replaced_by', old_row.replaced_by, 'family', old_row.family_id, 'replacement', child_json);
          end if;
          if exists (select 1 from blacklisted_tokens b where b.jti = old_jti) then
            return json_build_object('user', user_json, 'groups', group_names, 'outcome', 'blacklisted');
          end if;
          exit when found;
          insert into outstanding_tokens
            (jti, user_id, family_id, parent_jti, created_at, expires_at, user_agent, ip)
          values (old_jti, owner_id, old_jti, null, old_created_at, old_expires_at, user_agent, ip)
          on conflict (jti) do nothing;
        end loop;
        raise exception 'token % is neither rotated nor blacklisted, yet could not be claimed', old_jti;
      end
      $$`.execute(db)
    await sql`
      create function tessera_refresh_many(requests json) returns json
      language plpgsql
      as $$
      declare
        r record;
        answers json[] := array[]::json[];
      begin
        for r in
          select * from json_to_recordset(requests) as x(
            i integer, owner_id integer, read_user boolean, old_jti varchar, old_created_at bigint,
            old_expires_at bigint, at_ms bigint, blacklist_old boolean, new_jti varchar,
            new_created_at bigint, new_expires_at bigint, user_agent text, ip varchar)
          order by x.old_jti, x.i
        loop
          answers := array_append(answers, json_build_object('i', r.i, 'answer', tessera_refresh(
            r.owner_id, r.read_user, r.old_jti, r.old_created_at, r.old_expires_at, r.at_ms,
            r.blacklist_old, r.new_jti, r.new_created_at, r.new_expires_at, r.user_agent, r.ip)));
        end loop;
        return array_to_json(answers);
      end
      $$`.execute(db)
  },

  async down(db: Kysely<unknown>, dialect: SqlDialect) {
    if (dialect !== 'postgres') return
    await sql`drop function tessera_refresh_many(json)`.execute(db)
    await sql`drop function tessera_refresh(integer, boolean, varchar, bigint, bigint, bigint, boolean, varchar, bigint, bigint, text, varchar)`.execute(
      db,
    )
    await rotateFunction.up(db, dialect)
    await refreshFunction.up(db, dialect)
  },
}
