/**
 * Bearer-key authentication and role checks. Keys come from configuration as sha256 hashes; a
 * presented token is hashed and compared with every key in constant time (`timingSafeEqual` over
 * equal-length digests), so neither the match position nor the secret length leaks through timing.
 * With no keys configured, auth is off and every caller is `admin`: the server then only binds to
 * loopback (see `assertSafeBinding`).
 */
import { timingSafeEqual } from 'node:crypto';
import { type ApiKey, ROLES, type Role, hashSecret } from '../config.ts';
import { AppError } from '../errors.ts';

/** Who is calling: the key id (or `anonymous` when auth is off) and its role. */
export interface Principal {
  readonly keyId: string;
  readonly role: Role;
}

/** The caller when auth is off (no keys configured). */
const ANONYMOUS: Principal = Object.freeze({ keyId: 'anonymous', role: 'admin' });

/** Finds the key matching `Authorization: Bearer <secret>`; throws `unauthenticated`. */
export function authenticate(
  keys: readonly ApiKey[],
  authorization: string | undefined,
): Principal {
  if (keys.length === 0) return ANONYMOUS;
  const m = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  if (!m)
    throw new AppError('unauthenticated', 'missing bearer token (Authorization: Bearer <key>)');
  const presented = hashSecret(m[1] as string);
  let found: ApiKey | undefined;
  // Compare against every key without breaking early: the time taken does not depend on which
  // key (if any) matched.
  for (const key of keys) if (timingSafeEqual(presented, key.secretHash) && !found) found = key;
  if (!found) throw new AppError('unauthenticated', 'invalid bearer token');
  return { keyId: found.id, role: found.role };
}

/** Throws `permission_denied` unless `principal`'s role is at least `required`. */
export function assertRole(principal: Principal, required: Role): void {
  if (ROLES.indexOf(principal.role) < ROLES.indexOf(required))
    throw new AppError(
      'permission_denied',
      `this operation needs the ${required} role; key ${principal.keyId} has ${principal.role}`,
      { details: { required, role: principal.role } },
    );
}
