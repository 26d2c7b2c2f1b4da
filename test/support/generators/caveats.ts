/**
 * Random caveats and caveat contexts. Parameter names come from one global table with fixed types,
 * so a request context built from the table is well-typed for every caveat of the schema, and a
 * context that leaves some parameter out is how queries reach "conditional".
 */
import type { Choices } from './choices.ts';

/** A caveat parameter (the generator uses int, bool and string). */
export interface GenParam {
  readonly name: string;
  readonly type: 'int' | 'bool' | 'string';
}

export interface GenCaveat {
  readonly name: string;
  readonly params: readonly GenParam[];
  /** A CEL expression over `params`: comparisons joined by `&&` / `||`. */
  readonly body: string;
}

/** Every parameter any generated caveat may declare (name → type is global). */
export const PARAMS: readonly GenParam[] = [
  { name: 'num', type: 'int' },
  { name: 'level', type: 'int' },
  { name: 'flag', type: 'bool' },
  { name: 'label', type: 'string' },
];

const CAVEAT_NAMES = ['cav_a', 'cav_b'] as const;
const STRINGS = ['x', 'y', 'z'] as const;

/** 0–2 caveats. */
export function genCaveats(c: Choices): GenCaveat[] {
  return CAVEAT_NAMES.slice(0, c.int(3)).map((name) => genCaveat(c, name));
}

function genCaveat(c: Choices, name: string): GenCaveat {
  const atoms: { text: string; param: GenParam }[] = [];
  const count = 1 + c.int(3);
  for (let i = 0; i < count; i++) {
    const param = c.pick(PARAMS);
    atoms.push({ text: genAtom(c, param), param });
  }
  let body = atoms[0]?.text ?? 'true';
  for (let i = 1; i < atoms.length; i++) {
    const op = c.chance(1, 2) ? '||' : '&&';
    const left = i > 1 && c.chance(1, 3) ? `(${body})` : body;
    body = `${left} ${op} ${atoms[i]?.text}`;
  }
  // Exactly the parameters the body reads: SpiceDB rejects a declared parameter that is unused.
  const params = PARAMS.filter((p) => atoms.some((a) => a.param === p));
  return { name, params, body };
}

function genAtom(c: Choices, p: GenParam): string {
  switch (p.type) {
    case 'int': {
      const k = c.int(4);
      return c.pick([`${p.name} > ${k}`, `${p.name} == ${k}`, `${p.name} <= ${k}`]);
    }
    case 'bool':
      return c.chance(1, 3) ? `!${p.name}` : p.name;
    case 'string':
      return `${p.name} ${c.chance(1, 3) ? '!=' : '=='} '${c.pick(STRINGS)}'`;
  }
}

/** A JSON value of the parameter's type. */
export function genParamValue(c: Choices, p: GenParam): number | boolean | string {
  switch (p.type) {
    case 'int':
      return c.int(5);
    case 'bool':
      return c.chance(1, 2);
    case 'string':
      return c.pick(STRINGS);
  }
}

/** A context with a random subset of `params` (each kept with probability ~k/n). */
export function genContext(
  c: Choices,
  params: readonly GenParam[],
  k = 1,
  n = 2,
): Record<string, unknown> {
  const ctx: Record<string, unknown> = {};
  for (const p of params) if (c.chance(k, n)) ctx[p.name] = genParamValue(c, p);
  return ctx;
}
