/**
 * `agents`: AI agent sessions acting for people, under the real `schema/agents.zed`. On top of the
 * docs graph (users, nested groups, folders, documents), users delegate agent sessions (expiring
 * delegations), sessions run in workflows, documents link workflows, some sessions spawn
 * sub-agents, and some delegations were revoked (the session still runs, but no user backs it).
 * A session may edit a document only through a linked workflow it runs in AND while its
 * delegating user can edit the document (`agent_edit = workflow->running & delegated_edit`);
 * sub-agents only ever view. Answers come from a reference evaluation of those rules.
 */
import { readFileSync } from 'node:fs';
import type { Tuple } from '../../src/model/index.ts';
import type { Prng } from '../lib/prng.ts';
import { createPrng } from '../lib/prng.ts';
import { docsCheckSources } from './docs.ts';
import {
  buildDocsWorld,
  chainGrants,
  countDocsTuples,
  type DocsWorld,
  docAllows,
  docsTuples,
  RELS,
} from './docs-world.ts';
import type { CheckCandidate } from './support.ts';
import {
  buildChecks,
  collectLookups,
  idList,
  mean,
  obj,
  sampleDistinct,
  stream,
  subj,
  tuple,
} from './support.ts';
import {
  DEFAULT_CHECKS,
  DEFAULT_LOOKUPS,
  type GenerateOptions,
  type Size,
  targetTuples,
  type Workload,
  type WorkloadGenerator,
} from './types.ts';

/** The text of schema/agents.zed. */
export const AGENTS_SCHEMA = readFileSync(
  new URL('../../schema/agents.zed', import.meta.url),
  'utf8',
);

/** Every delegation expires at this fixed instant (2100-01-01), far enough to stay live. */
const EXPIRES_AT = Date.UTC(2100, 0, 1);

interface AgentsWorld {
  readonly docs: DocsWorld;
  readonly workflowOwner: Int32Array;
  readonly docWorkflows: number[][];
  readonly workflowDocs: number[][];
  /** Per session id: its workflow (primary sessions; -1 for sub-agents). */
  readonly sessionWorkflow: Int32Array;
  /** Per session id: delegating user, or -1 (revoked, or a sub-agent). */
  readonly delegator: Int32Array;
  /** Per session id: the session that spawned it (sub-agents), else -1. */
  readonly parent: Int32Array;
  readonly workflowSessions: number[][];
  readonly subAgents: number[][];
}

function buildWorld(target: number, rng: Prng): AgentsWorld {
  const docs = buildDocsWorld(target, rng, 0.65);
  const nDocs = docs.docParent.length;
  const workflows = Math.max(4, Math.round(target * 0.005));
  const workflowOwner = Int32Array.from({ length: workflows }, () => rng.int(docs.users));
  const docWorkflows: number[][] = [];
  const workflowDocs: number[][] = Array.from({ length: workflows }, () => []);
  for (let d = 0; d < nDocs; d++) {
    const ws: number[] = [];
    if (rng.chance(0.5)) ws.push(rng.int(workflows));
    if (ws.length > 0 && rng.chance(0.1)) {
      const w2 = rng.int(workflows);
      if (w2 !== ws[0]) ws.push(w2);
    }
    for (const w of ws) workflowDocs[w]!.push(d);
    docWorkflows.push(ws);
  }
  const linked = docWorkflows.flatMap((ws, d) => (ws.length > 0 ? [d] : []));
  const primaries = Math.max(10, Math.round(target * 0.08));
  const sessionWorkflow: number[] = [];
  const delegator: number[] = [];
  const parent: number[] = [];
  const workflowSessions: number[][] = Array.from({ length: workflows }, () => []);
  const subAgents: number[][] = [];
  const newSession = (w: number, u: number, p: number) => {
    sessionWorkflow.push(w);
    delegator.push(u);
    parent.push(p);
    subAgents.push([]);
    return sessionWorkflow.length - 1;
  };
  for (let k = 0; k < primaries; k++) {
    // Start from a linked document so most sessions can do something; the delegator is an
    // editor (most), a viewer, or anyone.
    const d = rng.pick(linked) ?? rng.int(nDocs);
    const w = rng.pick(docWorkflows[d]!) ?? rng.int(workflows);
    const r = rng.next();
    const pool = chainGrants(docs, d, r < 0.6 ? RELS.edit : RELS.view);
    const g = r < 0.85 ? rng.pick(pool) : undefined;
    const u = g ? (g.group ? docs.groups.randomMember(g.id, rng) : g.id) : undefined;
    const revoked = rng.chance(0.08);
    const s = newSession(w, revoked ? -1 : (u ?? rng.int(docs.users)), -1);
    workflowSessions[w]!.push(s);
    if (rng.chance(0.2)) subAgents[s]!.push(newSession(-1, -1, s));
  }
  return {
    docs,
    workflowOwner,
    docWorkflows,
    workflowDocs,
    sessionWorkflow: Int32Array.from(sessionWorkflow),
    delegator: Int32Array.from(delegator),
    parent: Int32Array.from(parent),
    workflowSessions,
    subAgents,
  };
}

function* agentTuples(w: AgentsWorld): Generator<Tuple> {
  yield* docsTuples(w.docs);
  const expiring = (t: Tuple): Tuple => ({ ...t, expiresAt: EXPIRES_AT });
  for (let k = 0; k < w.workflowOwner.length; k++)
    yield tuple('workflow', `w${k}`, 'owner', 'user', `u${w.workflowOwner[k]}`);
  for (let d = 0; d < w.docWorkflows.length; d++)
    for (const k of w.docWorkflows[d]!)
      yield tuple('document', `d${d}`, 'workflow', 'workflow', `w${k}`);
  for (let s = 0; s < w.sessionWorkflow.length; s++) {
    const k = w.sessionWorkflow[s]!;
    if (k >= 0) {
      yield tuple('agent_session', `s${s}`, 'workflow', 'workflow', `w${k}`);
      yield expiring(tuple('workflow', `w${k}`, 'session', 'agent_session', `s${s}`));
    }
    const u = w.delegator[s]!;
    if (u >= 0) yield expiring(tuple('user', `u${u}`, 'delegate', 'agent_session', `s${s}`));
    for (const t of w.subAgents[s]!)
      yield expiring(tuple('agent_session', `s${s}`, 'sub_agent', 'agent_session', `s${t}`));
  }
}

/** Workflows session s runs in: its own (`session`), or its parent's (`session->sub_agent`). */
function runningIn(w: AgentsWorld, s: number): number {
  const p = w.parent[s]!;
  return p >= 0 ? w.sessionWorkflow[p]! : w.sessionWorkflow[s]!;
}

/** Reference answer for a session subject on `document:d` (edit, view or read). */
function sessionAllows(w: AgentsWorld, d: number, perm: string, s: number): boolean {
  if (!w.docWorkflows[d]!.includes(runningIn(w, s))) return false;
  const p = w.parent[s]!;
  if (perm === 'edit') {
    // delegated_edit uses `agent` (direct delegations only): sub-agents never edit.
    const u = w.delegator[s]!;
    return p < 0 && u >= 0 && docAllows(w.docs, d, 'edit', u);
  }
  // view and read: delegated_view uses `agent_or_sub`; sessions are never banned (users are).
  const u = p >= 0 ? w.delegator[p]! : w.delegator[s]!;
  return u >= 0 && docAllows(w.docs, d, 'view', u);
}

function allows(w: AgentsWorld, c: CheckCandidate): boolean {
  const d = Number(c.resource.id.slice(1));
  const n = Number(c.subject.id.slice(1));
  return c.subject.type === 'user'
    ? docAllows(w.docs, d, c.permission, n)
    : sessionAllows(w, d, c.permission, n);
}

function generate(size: Size, seed: number, options: GenerateOptions = {}): Workload {
  const rng = createPrng(seed);
  const w = buildWorld(targetTuples(size), rng.fork(1));
  const sessions = w.sessionWorkflow.length;
  const check = (d: number, perm: string, s: number, label: string): CheckCandidate => ({
    resource: obj('document', `d${d}`),
    permission: perm,
    subject: subj('agent_session', `s${s}`),
    label,
  });
  const agentPerm = (r: Prng) => r.pick(['edit', 'edit', 'view', 'read'])!;
  const linkedDoc = (s: number, r: Prng) => r.pick(w.workflowDocs[runningIn(w, s)] ?? []);
  const checks = buildChecks({
    count: options.checks ?? DEFAULT_CHECKS,
    rng: rng.fork(2),
    sources: [
      ...docsCheckSources(w.docs, ['read', 'read', 'view', 'edit']).map((s) => ({
        ...s,
        weight: s.weight * 0.4,
      })),
      {
        // A session on a document linked to its workflow: allowed when its delegator has access.
        weight: 6,
        make: (r) => {
          const s = r.int(sessions);
          const d = linkedDoc(s, r);
          const kind =
            w.parent[s]! >= 0 ? 'sub-agent' : w.delegator[s]! < 0 ? 'near-miss:revoked' : 'session';
          return d === undefined ? undefined : check(d, agentPerm(r), s, kind);
        },
      },
      {
        // Near miss: a document the delegator can reach but not linked to the session's workflow.
        weight: 2,
        make: (r) => {
          const s = r.int(sessions);
          const d = linkedDoc(s, r);
          const f = d === undefined ? -1 : w.docs.docParent[d]!;
          const sibling = f >= 0 ? r.pick(w.docs.folderDocs[f]!) : undefined;
          return sibling === undefined
            ? undefined
            : check(sibling, agentPerm(r), s, 'near-miss:unlinked');
        },
      },
    ],
    evaluate: (c) => allows(w, c),
  });
  const lookups = options.lookups ?? DEFAULT_LOOKUPS;
  const lrng = rng.fork(3);
  const lperm = (i: number) => (i % 2 === 0 ? 'edit' : 'view');
  const lookupResources = collectLookups(
    sampleDistinct(lrng, sessions, lookups * 4),
    lookups,
    (s, i) => ({
      resourceType: 'document',
      permission: lperm(i),
      subject: subj('agent_session', `s${s}`),
      expected: idList(
        'd',
        (w.workflowDocs[runningIn(w, s)] ?? []).filter((d) => sessionAllows(w, d, lperm(i), s)),
      ),
    }),
  );
  const linked = w.docWorkflows.flatMap((ws, d) => (ws.length > 0 ? [d] : []));
  const lookupSubjects = collectLookups(
    lrng.shuffle([...linked]).slice(0, lookups * 4),
    lookups,
    (d, i) => {
      const found = new Set<number>();
      for (const k of w.docWorkflows[d]!)
        for (const s of w.workflowSessions[k]!)
          for (const x of [s, ...w.subAgents[s]!])
            if (sessionAllows(w, d, lperm(i), x)) found.add(x);
      return {
        resource: obj('document', `d${d}`),
        permission: lperm(i),
        subjectType: 'agent_session',
        expected: idList('s', found),
      };
    },
  );
  let extra = 0;
  for (const t of stream(() => agentTuples(w))) extra += t ? 1 : 0;
  return {
    name: 'agents',
    size,
    seed,
    schemaText: AGENTS_SCHEMA,
    tupleCount: extra,
    tuples: stream(() => agentTuples(w)),
    checks,
    lookupResources,
    lookupSubjects,
    facts: {
      users: w.docs.users,
      documents: w.docs.docParent.length,
      docsTuples: countDocsTuples(w.docs),
      workflows: w.workflowOwner.length,
      sessions,
      subAgents: w.parent.filter((p) => p >= 0).length,
      revoked: w.delegator.filter((u, s) => u < 0 && w.parent[s]! < 0).length,
      meanLookupResources: mean(lookupResources.map((l) => l.expected.length)),
    },
  };
}

/** The `agents` workload generator. */
export const agentsWorkload: WorkloadGenerator = {
  name: 'agents',
  description:
    'agent sessions delegated by users, running in workflows linked to documents, some revoked, some sub-agents (schema/agents.zed)',
  generate,
};
