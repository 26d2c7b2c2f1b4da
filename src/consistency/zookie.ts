/**
 * Zookies: opaque, versioned, URL-safe tokens naming a revision of one store. Layout (version 1),
 * base64url without padding over 21 bytes:
 *
 *   [0]      version (1)
 *   [1..4]   store fingerprint: first 4 bytes of SHA-256(storeId)   → tells "foreign" from "tampered"
 *   [5..12]  revision, unsigned 64-bit big-endian
 *   [13..20] checksum: first 8 bytes of HMAC-SHA-256(key = storeId, bytes 0..12)
 *
 * The checksum is keyed by the store id, so a token edited by hand or minted for another store fails
 * verification. It is tamper-evidence, not secrecy: the revision is not hidden and the store id is
 * not a secret key; a client forging a valid token can at most ask for a revision that exists anyway,
 * which `checkRevision` bounds.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ConsistencyError } from '../errors.ts';
import type { Revision } from '../model/index.ts';

const VERSION = 1;
const LENGTH = 21;

function fingerprint(storeId: string): Buffer {
  return createHash('sha256').update(storeId).digest().subarray(0, 4);
}

function checksum(storeId: string, body: Buffer): Buffer {
  return createHmac('sha256', storeId).update(body).digest().subarray(0, 8);
}

function invalid(message: string, token: string): ConsistencyError {
  const shown = token.length > 64 ? `${token.slice(0, 64)}…` : token;
  return new ConsistencyError('invalid_zookie', message, { details: { zookie: shown } });
}

/** Encodes a revision of store `storeId` as a zookie. */
export function encodeZookie(z: { revision: Revision; storeId: string }): string {
  if (!Number.isSafeInteger(z.revision) || z.revision < 0)
    throw new ConsistencyError('invalid_zookie', `cannot encode revision ${z.revision}`);
  const body = Buffer.alloc(13);
  body.writeUInt8(VERSION, 0);
  fingerprint(z.storeId).copy(body, 1);
  body.writeBigUInt64BE(BigInt(z.revision), 5);
  return Buffer.concat([body, checksum(z.storeId, body)]).toString('base64url');
}

/**
 * Decodes a zookie minted by the store `storeId` and returns its revision. Throws `invalid_zookie`
 * for malformed tokens, unknown versions, tokens of another store and tampered tokens.
 */
export function decodeZookie(token: string, storeId: string): Revision {
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(token))
    throw invalid('malformed zookie', String(token));
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length !== LENGTH || bytes.toString('base64url') !== token)
    throw invalid('malformed zookie', token);
  if (bytes.readUInt8(0) !== VERSION)
    throw invalid(`unsupported zookie version ${bytes.readUInt8(0)}`, token);
  if (!bytes.subarray(1, 5).equals(fingerprint(storeId)))
    throw invalid('zookie was issued by another store', token);
  const body = bytes.subarray(0, 13);
  if (!timingSafeEqual(bytes.subarray(13), checksum(storeId, body)))
    throw invalid('zookie failed verification (tampered or corrupted)', token);
  const rev = bytes.readBigUInt64BE(5);
  if (rev > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid('zookie revision out of range', token);
  return Number(rev);
}
