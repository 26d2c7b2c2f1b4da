/**
 * Static type inference over a parsed CEL expression, mirroring cel-go's checker as SpiceDB runs
 * it (verified against SpiceDB in test/schema/spicedb-differential.test.ts): declared parameters,
 * the standard operators and overloads, macros (expanded to comprehensions by the parser), the
 * functions caveats use, and SpiceDB's `ipaddress` type. Throws CelCheckError at the first problem.
 */
import type { CelExpr } from './cel-ast.ts';
import { type CelT, compatible, DYN, isNumeric, join, typeName } from './cel-types.ts';

/** A type error at expression `at` (undefined: the whole expression). */
export class CelCheckError extends Error {
  constructor(
    message: string,
    readonly at: CelExpr | undefined,
    readonly length = 1,
  ) {
    super(message);
  }
}

// Shorthands for scalar types.
const T = (
  k:
    | 'int'
    | 'uint'
    | 'double'
    | 'bool'
    | 'string'
    | 'bytes'
    | 'duration'
    | 'timestamp'
    | 'ipaddress',
) => ({ k }) as CelT;
const BOOL = T('bool');
const INT = T('int');
const STRING = T('string');

/** Infers the type of an expression under a scope of declared variables. */
export class TypeChecker {
  /**
   * Variable scopes, innermost last: [0] holds the caveat parameters, each comprehension (macro)
   * pushes one with its iteration and accumulator variables. Example: in `tags.all(t, t != '')`
   * the inner scope maps `t` → string and `@result` → bool.
   */
  private scopes: Map<string, CelT>[];

  constructor(params: ReadonlyMap<string, CelT>) {
    this.scopes = [new Map(params)];
  }

  /** True for an identifier bound by an enclosing comprehension (macro variable). */
  private isIterVar(e: CelExpr): boolean {
    if (e.exprKind.case !== 'identExpr') return false;
    const name = e.exprKind.value.name;
    for (let i = this.scopes.length - 1; i >= 1; i--) if (this.scopes[i]?.has(name)) return true;
    return false;
  }

  /** The innermost binding of `name`, if any. */
  private lookup(name: string): CelT | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const t = this.scopes[i]?.get(name);
      if (t) return t;
    }
    return undefined;
  }

  /** The static type of `e`; throws CelCheckError at the first expression that cannot be typed. */
  check(e: CelExpr): CelT {
    const kind = e.exprKind;
    switch (kind.case) {
      case 'constExpr':
        return constType(kind.value.constantKind.case);
      case 'identExpr': {
        // Type names (`int`, `string`, ...) are values of type `type`, as in `type(x) == int`.
        const t = this.lookup(kind.value.name);
        if (t) return t;
        if (TYPE_IDENTS.has(kind.value.name)) return { k: 'type' };
        throw new CelCheckError(
          `undeclared reference to \`${kind.value.name}\``,
          e,
          kind.value.name.length,
        );
      }
      case 'selectExpr': {
        // `m.f` reads a map entry (string keys only); `has(m.f)` tests it. Other types have no fields
        // here: caveats cannot mention protobuf messages.
        const operand = this.check(kind.value.operand as CelExpr);
        if (kind.value.testOnly) {
          if (operand.k !== 'map' && operand.k !== 'dyn')
            throw new CelCheckError(`has() needs a map, found ${typeName(operand)}`, e);
          return BOOL;
        }
        if (operand.k === 'dyn') return DYN;
        if (operand.k === 'map') {
          if (!compatible(operand.key, STRING))
            throw new CelCheckError(
              `field access \`.${kind.value.field}\` needs string map keys`,
              e,
            );
          return operand.value;
        }
        throw new CelCheckError(
          `type ${typeName(operand)} has no field \`${kind.value.field}\``,
          e,
        );
      }
      case 'listExpr': {
        // A literal's element type is the join of its elements (mixed → dyn, as cel-go infers).
        let elem: CelT | undefined;
        for (const el of kind.value.elements) {
          const t = this.check(el);
          elem = elem === undefined ? t : join(elem, t);
        }
        return { k: 'list', elem: elem ?? DYN };
      }
      case 'structExpr': {
        // Only map literals: `{'a': 1}` (message construction needs descriptors caveats lack).
        if (kind.value.messageName !== '')
          throw new CelCheckError(
            `message construction \`${kind.value.messageName}{...}\` is not supported in caveats`,
            e,
          );
        let key: CelT | undefined;
        let value: CelT | undefined;
        for (const entry of kind.value.entries) {
          const k =
            entry.keyKind.case === 'mapKey' ? this.check(entry.keyKind.value as CelExpr) : STRING;
          const v = this.check(entry.value as CelExpr);
          key = key === undefined ? k : join(key, k);
          value = value === undefined ? v : join(value, v);
        }
        return { k: 'map', key: key ?? DYN, value: value ?? DYN };
      }
      case 'comprehensionExpr': {
        // Macros arrive expanded: iterate `iterRange` binding `iterVar` (list element or map key),
        // fold `loopStep` into `accuVar`, and the macro's value is `result`.
        const c = kind.value;
        const range = this.check(c.iterRange as CelExpr);
        let iter: CelT;
        if (range.k === 'list') iter = range.elem;
        else if (range.k === 'map') iter = range.key;
        else if (range.k === 'dyn') iter = DYN;
        else throw new CelCheckError(`cannot iterate over ${typeName(range)}`, c.iterRange);
        const accu = this.check(c.accuInit as CelExpr);
        const scope = new Map<string, CelT>([
          [c.iterVar, iter],
          [c.accuVar, accu],
        ]);
        if (c.iterVar2) scope.set(c.iterVar2, range.k === 'map' ? range.value : DYN);
        this.scopes.push(scope);
        try {
          if (c.loopCondition) this.check(c.loopCondition);
          const step = c.loopStep ? this.check(c.loopStep) : accu;
          scope.set(c.accuVar, join(accu, step));
          return c.result ? this.check(c.result) : accu;
        } finally {
          this.scopes.pop();
        }
      }
      case 'callExpr':
        return this.call(e, kind.value);
      default:
        throw new CelCheckError('unsupported CEL expression', e);
    }
  }

  /**
   * Operators and functions. CEL parses operators into calls with internal names (`_+_`, `@in`,
   * `_?_:_`); each case below states the overloads cel-go accepts, so a mismatch reports the same
   * schemas SpiceDB rejects.
   */
  private call(e: CelExpr, c: { target?: CelExpr; function: string; args: CelExpr[] }): CelT {
    const args = c.args.map((a) => this.check(a));
    const target = c.target ? this.check(c.target) : undefined;
    const fn = c.function;
    const op = OPERATOR_NAMES[fn];
    const mismatch = (): never => {
      const shown = [...(target ? [target] : []), ...args].map(typeName).join(', ');
      throw new CelCheckError(
        `no matching overload for ${op ?? `\`${fn}\``} applied to (${shown})`,
        e,
      );
    };
    const [a, b] = args as [CelT, CelT];
    switch (fn) {
      case '_&&_':
      case '_||_':
        if (!args.every((t) => compatible(t, BOOL))) mismatch();
        return BOOL;
      // `@not_strictly_false` is the loop condition the `all`/`exists` macros generate.
      case '!_':
      case '@not_strictly_false':
        if (!compatible(a, BOOL)) mismatch();
        return BOOL;
      case '-_':
        if (a.k !== 'dyn' && a.k !== 'int' && a.k !== 'double' && a.k !== 'duration') mismatch();
        return a;
      case '_==_':
      case '_!=_':
        // No cross-type numeric equality at check time (cel-go): `num == 1.0` is an error.
        if (!compatible(a, b)) mismatch();
        return BOOL;
      case '_<_':
      case '_<=_':
      case '_>_':
      case '_>=_': {
        const ordered = compatible(a, b) && ORDERED.has(a.k === 'dyn' ? b.k : a.k);
        // cel-go (as SpiceDB runs it) accepts int/double ordering only on comprehension variables.
        const loose = isNumeric(a) && isNumeric(b) && c.args.some((x) => this.isIterVar(x));
        if (!ordered && !loose) mismatch();
        return BOOL;
      }
      case '_+_':
        return arithmetic(a, b, mismatch, true);
      // timestamp - timestamp is a duration; timestamp - duration a timestamp.
      case '_-_':
        if (a.k === 'timestamp' && b.k === 'timestamp') return T('duration');
        if (a.k === 'timestamp' && b.k === 'duration') return a;
        return arithmetic(a, b, mismatch, false);
      // `%` has no double overload in CEL.
      case '_*_':
      case '_/_':
      case '_%_':
        if (
          !compatible(a, b) ||
          !(isNumeric(a) || a.k === 'dyn') ||
          (fn === '_%_' && a.k === 'double')
        )
          mismatch();
        return a.k === 'dyn' ? b : a;
      case '_?_:_': {
        const [cond, x, y] = args as [CelT, CelT, CelT];
        if (!compatible(cond, BOOL) || !compatible(x, y)) mismatch();
        return join(x, y);
      }
      // Indexing: lists by int, maps by their key type, dyn by anything.
      case '_[_]':
        if (a.k === 'list') {
          if (!compatible(b, INT) && b.k !== 'uint') mismatch();
          return a.elem;
        }
        if (a.k === 'map') {
          if (!compatible(a.key, b)) mismatch();
          return a.value;
        }
        if (a.k !== 'dyn') mismatch();
        return DYN;
      // `x in list` needs the element type, `k in map` the key type.
      case '@in':
        if (
          b.k === 'list'
            ? !compatible(a, b.elem)
            : b.k === 'map'
              ? !compatible(a, b.key)
              : b.k !== 'dyn'
        )
          mismatch();
        return BOOL;
    }
    return this.function(fn, target, args, mismatch, e);
  }

  /** Named functions and methods (`size`, `startsWith`, conversions, `in_cidr`, time accessors). */
  private function(
    fn: string,
    target: CelT | undefined,
    args: CelT[],
    mismatch: () => never,
    e: CelExpr,
  ): CelT {
    const recv = target ?? (fn === 'size' ? args[0] : undefined);
    switch (fn) {
      case 'size': {
        const n = target ? args.length : args.length - 1;
        if (n !== 0 || !recv || !['string', 'bytes', 'list', 'map', 'dyn'].includes(recv.k))
          mismatch();
        return INT;
      }
      case 'contains':
      case 'startsWith':
      case 'endsWith':
      case 'matches':
        if (
          !target ||
          !compatible(target, STRING) ||
          args.length !== 1 ||
          !compatible(args[0] as CelT, STRING)
        )
          mismatch();
        return BOOL;
      case 'in_cidr':
        if (
          !target ||
          (target.k !== 'ipaddress' && target.k !== 'dyn') ||
          args.length !== 1 ||
          !compatible(args[0] as CelT, STRING)
        )
          mismatch();
        return BOOL;
      case 'ipaddress':
        if (target || args.length !== 1 || !compatible(args[0] as CelT, STRING)) mismatch();
        return T('ipaddress');
      case 'int':
      case 'uint':
      case 'double':
      case 'string':
      case 'bytes':
      case 'bool':
      case 'timestamp':
      case 'duration':
        if (target || args.length !== 1) mismatch();
        return T(fn);
      case 'dyn':
        if (target || args.length !== 1) mismatch();
        return DYN;
      case 'type':
        if (target || args.length !== 1) mismatch();
        return { k: 'type' };
    }
    if (TIME_ACCESSORS.has(fn)) {
      if (
        !target ||
        (target.k !== 'timestamp' && target.k !== 'duration' && target.k !== 'dyn') ||
        args.length > 1
      )
        mismatch();
      return INT;
    }
    throw new CelCheckError(`unknown function \`${fn}\``, e);
  }
}

/**
 * `+` and `-` overloads: same-typed numbers and durations; `+` also concatenates strings, bytes
 * and lists and adds a duration to a timestamp. No implicit numeric conversion (int + double fails).
 */
function arithmetic(a: CelT, b: CelT, mismatch: () => never, plus: boolean): CelT {
  if (a.k === 'dyn') return b;
  if (b.k === 'dyn') return a;
  if (plus && a.k === 'duration' && b.k === 'timestamp') return b;
  if (plus && a.k === 'timestamp' && b.k === 'duration') return a;
  if (!compatible(a, b)) mismatch();
  if (isNumeric(a) || a.k === 'duration') return a;
  if (plus && (a.k === 'string' || a.k === 'bytes' || a.k === 'list'))
    return a.k === 'list' ? join(a, b) : a;
  return mismatch();
}

/** The type of a literal, by its protobuf constant kind. */
function constType(kind: string | undefined): CelT {
  switch (kind) {
    case 'int64Value':
      return INT;
    case 'uint64Value':
      return T('uint');
    case 'doubleValue':
      return T('double');
    case 'boolValue':
      return BOOL;
    case 'stringValue':
      return STRING;
    case 'bytesValue':
      return T('bytes');
    case 'nullValue':
      return { k: 'null' };
    case 'durationValue':
      return T('duration');
    case 'timestampValue':
      return T('timestamp');
    default:
      return DYN;
  }
}

/** Types with `<`, `<=`, `>`, `>=` (within the same type). */
const ORDERED = new Set([
  'int',
  'uint',
  'double',
  'string',
  'bytes',
  'bool',
  'timestamp',
  'duration',
]);
/** Identifiers that name types (usable as values of type `type`). */
const TYPE_IDENTS = new Set([
  'int',
  'uint',
  'double',
  'bool',
  'string',
  'bytes',
  'list',
  'map',
  'null_type',
  'type',
]);
/** Timestamp and duration accessors, all returning int (an optional time-zone argument). */
const TIME_ACCESSORS = new Set([
  'getFullYear',
  'getMonth',
  'getDayOfYear',
  'getDayOfMonth',
  'getDate',
  'getDayOfWeek',
  'getHours',
  'getMinutes',
  'getSeconds',
  'getMilliseconds',
]);
/** How operators appear in messages (CEL's internal call names are not user-facing). */
const OPERATOR_NAMES: Record<string, string> = {
  '_&&_': '`&&`',
  '_||_': '`||`',
  '!_': '`!`',
  '-_': 'unary `-`',
  '_==_': '`==`',
  '_!=_': '`!=`',
  '_<_': '`<`',
  '_<=_': '`<=`',
  '_>_': '`>`',
  '_>=_': '`>=`',
  '_+_': '`+`',
  '_-_': '`-`',
  '_*_': '`*`',
  '_/_': '`/`',
  '_%_': '`%`',
  '_?_:_': '`?:`',
  '_[_]': 'index `[]`',
  '@in': '`in`',
};
