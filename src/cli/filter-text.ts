/**
 * The CLI's text forms for filters and references: `document`, `document:readme#viewer`,
 * `document#viewer@user`, `document:readme#viewer@group:eng#member`; and `type:id[#relation]` refs.
 */
import type * as T from '../client/index.ts';
import { UsageError } from './args.ts';

const PART = /^([a-z][a-z0-9_/]*[a-z0-9])(?::([^#@\s]+))?(?:#([a-z][a-z0-9_]*|\.\.\.))?$/;

/** Parses a relationship filter; the resource type is required. */
export function parseFilter(text: string): T.RelationshipFilter {
  const [res, sub, extra] = text.split('@');
  const r = PART.exec(res ?? '');
  if (!r || extra !== undefined)
    throw new UsageError(
      `bad filter "${text}": expected type[:id][#relation][@type[:id][#relation]]`,
    );
  const filter: T.RelationshipFilter = { resourceType: r[1] as string };
  if (r[2]) filter.optionalResourceId = r[2];
  if (r[3]) filter.optionalRelation = r[3];
  if (sub !== undefined) {
    const s = PART.exec(sub);
    if (!s) throw new UsageError(`bad subject filter "${sub}"`);
    filter.optionalSubjectFilter = { subjectType: s[1] as string };
    if (s[2]) filter.optionalSubjectFilter.optionalSubjectId = s[2];
    if (s[3])
      filter.optionalSubjectFilter.optionalRelation = { relation: s[3] === '...' ? '' : s[3] };
  }
  return filter;
}

/** `type:id` → ObjectReference (usage error otherwise). */
export function parseObjectArg(text: string | undefined, what: string): T.ObjectReference {
  const m = text ? /^([^:#@\s]+):([^#@\s]+)$/.exec(text) : null;
  if (!m) throw new UsageError(`${what} must be type:id, got "${text ?? ''}"`);
  return { objectType: m[1] as string, objectId: m[2] as string };
}

/** `type:id[#relation]` → SubjectReference. */
export function parseSubjectArg(text: string | undefined, what = 'subject'): T.SubjectReference {
  const m = text ? /^([^:#@\s]+):([^#@\s]+)(?:#([^#@\s]+))?$/.exec(text) : null;
  if (!m) throw new UsageError(`${what} must be type:id[#relation], got "${text ?? ''}"`);
  const ref: T.SubjectReference = {
    object: { objectType: m[1] as string, objectId: m[2] as string },
  };
  if (m[3] && m[3] !== '...') ref.optionalRelation = m[3];
  return ref;
}

/** `--zookie Z` → at least as fresh as Z; otherwise the CLI reads fully consistent. */
export function consistencyArg(zookie: string | undefined): T.Consistency {
  return zookie ? { atLeastAsFresh: { token: zookie } } : { fullyConsistent: true };
}

/** Parses `--context '{"k":1}'` (must be a JSON object). */
export function contextArg(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new UsageError('--context must be a JSON object');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new UsageError('--context must be a JSON object');
  return v as Record<string, unknown>;
}

/** Formats a wire relationship in the text form. */
export function relationshipText(r: T.Relationship): string {
  const s = r.subject;
  let out = `${r.resource.objectType}:${r.resource.objectId}#${r.relation}@${s.object.objectType}:${s.object.objectId}`;
  if (s.optionalRelation) out += `#${s.optionalRelation}`;
  if (r.optionalCaveat) {
    const ctx = r.optionalCaveat.context;
    out +=
      ctx && Object.keys(ctx).length > 0
        ? `[${r.optionalCaveat.caveatName}:${JSON.stringify(ctx)}]`
        : `[${r.optionalCaveat.caveatName}]`;
  }
  if (r.optionalExpiresAt) out += `[expiration:${r.optionalExpiresAt}]`;
  return out;
}
