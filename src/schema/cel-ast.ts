/**
 * A minimal structural view of the protobuf CEL AST (`cel.expr.Expr`) that @bufbuild/cel's parser
 * returns, covering only what the caveat checker reads, plus a walker collecting identifiers.
 */

/** One CEL expression node. */
export interface CelExpr {
  id: bigint;
  exprKind:
    | { case: 'constExpr'; value: { constantKind: { case: string | undefined; value?: unknown } } }
    | { case: 'identExpr'; value: { name: string } }
    | { case: 'selectExpr'; value: { operand?: CelExpr; field: string; testOnly: boolean } }
    | { case: 'callExpr'; value: { target?: CelExpr; function: string; args: CelExpr[] } }
    | { case: 'listExpr'; value: { elements: CelExpr[] } }
    | {
        case: 'structExpr';
        value: {
          messageName: string;
          entries: { keyKind: { case: string | undefined; value?: unknown }; value?: CelExpr }[];
        };
      }
    | {
        case: 'comprehensionExpr';
        value: {
          iterVar: string;
          iterVar2: string;
          iterRange?: CelExpr;
          accuVar: string;
          accuInit?: CelExpr;
          loopCondition?: CelExpr;
          loopStep?: CelExpr;
          result?: CelExpr;
        };
      }
    | { case: undefined; value?: undefined };
}

/** Adds every identifier the expression reads (comprehension variables included) to `out`. */
export function collectIdentifiers(e: CelExpr | undefined, out: Set<string>): void {
  if (!e) return;
  const k = e.exprKind;
  switch (k.case) {
    case 'identExpr':
      out.add(k.value.name);
      return;
    case 'selectExpr':
      collectIdentifiers(k.value.operand, out);
      return;
    case 'callExpr':
      collectIdentifiers(k.value.target, out);
      for (const a of k.value.args) collectIdentifiers(a, out);
      return;
    case 'listExpr':
      for (const el of k.value.elements) collectIdentifiers(el, out);
      return;
    case 'structExpr':
      for (const entry of k.value.entries) {
        if (entry.keyKind.case === 'mapKey')
          collectIdentifiers(entry.keyKind.value as CelExpr, out);
        collectIdentifiers(entry.value, out);
      }
      return;
    case 'comprehensionExpr': {
      const c = k.value;
      for (const part of [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result])
        collectIdentifiers(part, out);
      return;
    }
    default:
      return;
  }
}
