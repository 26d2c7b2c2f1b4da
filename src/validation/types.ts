/** The loaded form of a SpiceDB validation file, with the source line of every item. */
import type { SubjectRef, Tuple } from '../model/index.ts';
import type { CheckRequest } from '../engine/index.ts';

/** A relationship line of `relationships:`. */
export interface LoadedRelationship {
  readonly tuple: Tuple;
  readonly text: string;
  readonly line: number;
}

export type AssertionKind = 'assertTrue' | 'assertFalse' | 'assertCaveated';

/** One assertion string, parsed into the check it asks for. */
export interface LoadedAssertion {
  readonly kind: AssertionKind;
  readonly text: string;
  readonly line: number;
  readonly request: CheckRequest;
}

/** One expected subject of a `validation:` entry: `[user:tom[...]] is <doc:1#viewer>`. */
export interface ExpectedSubject {
  readonly text: string;
  readonly line: number;
  readonly subject: SubjectRef;
  readonly caveated: boolean;
  /** For a wildcard: the excluded subjects (`user:* - {user:a, user:b[...]}`). */
  readonly excluded: readonly { readonly subject: SubjectRef; readonly caveated: boolean }[];
  /** The relations whose expansion leaf holds the subject, sorted (`doc:1#viewer`). */
  readonly relations: readonly string[];
}

/** One `validation:` key: the expected subjects of a recursive expand of `resource#relation`. */
export interface LoadedExpectedRelation {
  readonly key: string;
  readonly line: number;
  readonly expected: readonly ExpectedSubject[];
}

export interface LoadedValidationFile {
  /** The file path, when loaded from disk. */
  readonly path?: string;
  readonly schemaText: string;
  /** Line of the `schema:` value in the file (1 when it came from `schemaFile`). */
  readonly schemaLine: number;
  readonly schemaFile?: string;
  readonly relationships: readonly LoadedRelationship[];
  readonly assertions: readonly LoadedAssertion[];
  readonly validation: readonly LoadedExpectedRelation[];
}
