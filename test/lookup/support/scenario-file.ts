/**
 * Lookup scenario files (`test/lookup/scenarios/*.yaml`): the SpiceDB validation-file keys
 * (`schema`, `relationships`, optional `assertions`) plus one extra key, `lookups`, holding expected
 * answers in a compact text form:
 *
 * ```yaml
 * lookups:
 *   resources:            # resourceType#permission@subject  →  ids, "id[...]" when conditional
 *     - query: document#view@user:alice
 *       context: { somecondition: 42 }      # optional caveat context
 *       expect: [doc1, "doc2[...]"]
 *   subjects:             # type:id#permission@subjectType[#relation]  →  subject ids
 *     - query: document:doc1#view@user
 *       expect: [alice, "tom[...]", "* - {bob, carol[...]}"]
 *   permissions:          # type:id@subject  →  every name not denied
 *     - query: document:doc1@user:alice
 *       expect: [view, viewer, "edit[...]"]
 * ```
 * `expect` lists are compared as sets. `[...]` marks a conditional result (missing params not
 * spelled); `* - {…}` is a wildcard with its excluded subjects (`[...]` = conditionally excluded).
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse, stringify } from 'yaml';
import type { LookupResult, SubjectResult } from '../../../src/engine/lookup/index.ts';
import type { CheckResult } from '../../../src/engine/index.ts';
import { type LoadedValidationFile, loadValidationFile } from '../../../src/validation/index.ts';

export interface LookupExpectation {
  readonly query: string;
  readonly context?: Record<string, unknown>;
  readonly expect: string[];
}

export interface LookupScenario {
  readonly file: LoadedValidationFile;
  readonly resources: LookupExpectation[];
  readonly subjects: LookupExpectation[];
  readonly permissions: LookupExpectation[];
}

/** Loads a lookup scenario: the validation-file part through the shared loader, `lookups` here. */
export function loadLookupScenario(path: string): LookupScenario {
  const raw = parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const { lookups, ...rest } = raw;
  const file = loadValidationFile({ text: stringify(rest), dir: dirname(path), path });
  const l = (lookups ?? {}) as Record<string, LookupExpectation[] | undefined>;
  return {
    file,
    resources: l.resources ?? [],
    subjects: l.subjects ?? [],
    permissions: l.permissions ?? [],
  };
}

function mark(r: { permissionship: string }): string {
  return r.permissionship === 'conditional' ? '[...]' : '';
}

/** The text form of a lookupResources answer. */
export function formatResources(results: readonly LookupResult[]): string[] {
  return results.map((r) => `${r.resourceId}${mark(r)}`).sort();
}

/** The text form of a lookupSubjects answer. */
export function formatSubjects(subjects: readonly SubjectResult[]): string[] {
  return subjects
    .map((s) => {
      const base = `${s.subjectId}${mark(s)}`;
      if (!s.excludedSubjects?.length) return base;
      const ex = s.excludedSubjects.map(
        (e) => `${e.subjectId}${e.permissionship === 'conditional' ? '[...]' : ''}`,
      );
      return `${base} - {${ex.join(', ')}}`;
    })
    .sort();
}

/** The text form of a permissionsOf answer: names not denied. */
export function formatPermissions(all: Record<string, CheckResult>): string[] {
  return Object.entries(all)
    .filter(([, r]) => r.permissionship !== 'denied')
    .map(([name, r]) => `${name}${mark(r)}`)
    .sort();
}
