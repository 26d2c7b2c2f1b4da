/**
 * `agents`: users delegate agent sessions; a session runs in one workflow and may be revoked there.
 * A session may edit a document of a workflow only when its delegator owns that workflow and the
 * session is not revoked: `agent = (session & owner->delegated) - revoked`, then
 * `document.edit = owner + editor + workflow->agent`. Answers come from the generator's arrays.
 */
import { createPrng } from '../lib/prng.ts';
import type { Prng } from '../lib/prng.ts';
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
  targetTuples,
  type GenerateOptions,
  type Size,
  type Workload,
  type WorkloadGenerator,
} from './types.ts';

export const AGENTS_SCHEMA = `definition user {
  relation delegated: session
}

definition session {}

definition workflow {
  relation owner: user
  relation session: session
  relation revoked: session

  permission owner_session = owner->delegated
  permission agent = (session & owner_session) - revoked
}

definition document {
  relation workflow: workflow
  relation owner: user
  relation editor: user

  permission edit = owner + editor + workflow->agent
}
`;

interface World {
  readonly users: number;
  readonly workflowOwners: number[][];
  readonly sessionDelegator: Int32Array;
  readonly sessionWorkflow: Int32Array;
  readonly sessionRevoked: Uint8Array;
  readonly workflowSessions: number[][];
  readonly docWorkflow: Int32Array;
  readonly docOwner: Int32Array;
  /** -1 when the document has no editor. */
  readonly docEditor: Int32Array;
  readonly workflowDocs: number[][];
}

function buildWorld(target: number, rng: Prng): World {
  const workflows = Math.max(4, Math.round((target * 0.05) / 1.5));
  const sessions = Math.max(10, Math.round((target * 0.4) / 2.1));
  const docs = Math.max(10, Math.round((target * 0.55) / 2.5));
  const users = Math.max(20, Math.round(target * 0.03));
  const workflowOwners = Array.from({ length: workflows }, () =>
    sampleDistinct(rng, users, rng.chance(0.5) ? 2 : 1),
  );
  const sessionDelegator = new Int32Array(sessions);
  const sessionWorkflow = new Int32Array(sessions);
  const sessionRevoked = new Uint8Array(sessions);
  const workflowSessions: number[][] = Array.from({ length: workflows }, () => []);
  for (let s = 0; s < sessions; s++) {
    const wf = rng.int(workflows);
    sessionWorkflow[s] = wf;
    workflowSessions[wf]!.push(s);
    // Most sessions are delegated by an owner of their workflow; the rest are the near misses.
    sessionDelegator[s] = rng.chance(0.7) ? rng.pick(workflowOwners[wf]!)! : rng.int(users);
    sessionRevoked[s] = rng.chance(0.1) ? 1 : 0;
  }
  const docWorkflow = new Int32Array(docs);
  const docOwner = new Int32Array(docs);
  const docEditor = new Int32Array(docs).fill(-1);
  const workflowDocs: number[][] = Array.from({ length: workflows }, () => []);
  for (let d = 0; d < docs; d++) {
    const wf = rng.int(workflows);
    docWorkflow[d] = wf;
    workflowDocs[wf]!.push(d);
    docOwner[d] = rng.int(users);
    if (rng.chance(0.5)) {
      const e = rng.int(users);
      if (e !== docOwner[d]) docEditor[d] = e;
    }
  }
  return {
    users,
    workflowOwners,
    sessionDelegator,
    sessionWorkflow,
    sessionRevoked,
    workflowSessions,
    docWorkflow,
    docOwner,
    docEditor,
    workflowDocs,
  };
}

/** Reference: may session s act in workflow wf (delegated by an owner, not revoked)? */
function sessionTrusted(w: World, s: number): boolean {
  const wf = w.sessionWorkflow[s]!;
  return w.sessionRevoked[s] === 0 && w.workflowOwners[wf]!.includes(w.sessionDelegator[s]!);
}

function allows(w: World, d: number, subject: { type: string; id: string }): boolean {
  const n = Number(subject.id.slice(1));
  if (subject.type === 'user') return w.docOwner[d] === n || w.docEditor[d] === n;
  return w.sessionWorkflow[n] === w.docWorkflow[d] && sessionTrusted(w, n);
}

function generate(size: Size, seed: number, options: GenerateOptions = {}): Workload {
  const rng = createPrng(seed);
  const w = buildWorld(targetTuples(size), rng.fork(1));
  const docs = w.docWorkflow.length;
  const sessions = w.sessionWorkflow.length;
  const edit = (d: number, type: string, id: string, label: string): CheckCandidate => ({
    resource: obj('document', `d${d}`),
    permission: 'edit',
    subject: subj(type, id),
    label,
  });
  const sessionOn = (d: number, r: Prng, label: string) => {
    const s = r.pick(w.workflowSessions[w.docWorkflow[d]!]!);
    return s === undefined ? undefined : edit(d, 'session', `s${s}`, label);
  };
  const checks = buildChecks({
    count: options.checks ?? DEFAULT_CHECKS,
    rng: rng.fork(2),
    sources: [
      // Sessions of the document's own workflow: allowed unless revoked or not owner-delegated.
      { weight: 5, make: (r) => sessionOn(r.int(docs), r, 'session-in-workflow') },
      {
        // Near miss: a trusted session of another workflow.
        weight: 2,
        make: (r) =>
          edit(r.int(docs), 'session', `s${r.int(sessions)}`, 'near-miss:other-workflow'),
      },
      {
        weight: 2,
        make: (r) => {
          const d = r.int(docs);
          const u = r.chance(0.5) || w.docEditor[d]! < 0 ? w.docOwner[d]! : w.docEditor[d]!;
          return edit(d, 'user', `u${u}`, 'user-direct');
        },
      },
      {
        // Near miss: the workflow owner is not a document editor (only its sessions are agents).
        weight: 1,
        make: (r) => {
          const d = r.int(docs);
          const u = r.pick(w.workflowOwners[w.docWorkflow[d]!]!)!;
          return edit(d, 'user', `u${u}`, 'near-miss:workflow-owner');
        },
      },
    ],
    evaluate: (c) => allows(w, Number(c.resource.id.slice(1)), c.subject),
  });
  const lookups = options.lookups ?? DEFAULT_LOOKUPS;
  const lrng = rng.fork(3);
  const lookupResources = collectLookups(
    sampleDistinct(lrng, sessions, lookups * 4),
    lookups,
    (s) => ({
      resourceType: 'document',
      permission: 'edit',
      subject: subj('session', `s${s}`),
      expected: sessionTrusted(w, s) ? idList('d', w.workflowDocs[w.sessionWorkflow[s]!]!) : [],
    }),
  );
  const lookupSubjects = collectLookups(sampleDistinct(lrng, docs, lookups * 2), lookups, (d) => ({
    resource: obj('document', `d${d}`),
    permission: 'edit',
    subjectType: 'session',
    expected: idList(
      's',
      w.workflowSessions[w.docWorkflow[d]!]!.filter((s) => sessionTrusted(w, s)),
    ),
  }));
  let tupleCount = 0;
  for (const t of stream(() => tuplesOf(w))) tupleCount += t ? 1 : 0;
  return {
    name: 'agents',
    size,
    seed,
    schemaText: AGENTS_SCHEMA,
    tupleCount,
    tuples: stream(() => tuplesOf(w)),
    checks,
    lookupResources,
    lookupSubjects,
    facts: {
      users: w.users,
      workflows: w.workflowOwners.length,
      sessions,
      documents: docs,
      meanLookupResources: mean(lookupResources.map((l) => l.expected.length)),
    },
  };
}

function* tuplesOf(w: World) {
  for (let wf = 0; wf < w.workflowOwners.length; wf++)
    for (const u of w.workflowOwners[wf]!)
      yield tuple('workflow', `w${wf}`, 'owner', 'user', `u${u}`);
  for (let s = 0; s < w.sessionWorkflow.length; s++) {
    const wf = `w${w.sessionWorkflow[s]}`;
    yield tuple('user', `u${w.sessionDelegator[s]}`, 'delegated', 'session', `s${s}`);
    yield tuple('workflow', wf, 'session', 'session', `s${s}`);
    if (w.sessionRevoked[s]) yield tuple('workflow', wf, 'revoked', 'session', `s${s}`);
  }
  for (let d = 0; d < w.docWorkflow.length; d++) {
    yield tuple('document', `d${d}`, 'workflow', 'workflow', `w${w.docWorkflow[d]}`);
    yield tuple('document', `d${d}`, 'owner', 'user', `u${w.docOwner[d]}`);
    if (w.docEditor[d]! >= 0)
      yield tuple('document', `d${d}`, 'editor', 'user', `u${w.docEditor[d]}`);
  }
}

/** The `agents` workload generator. */
export const agentsWorkload: WorkloadGenerator = {
  name: 'agents',
  description:
    'users delegate agent sessions in workflows; sessions edit documents only when their delegator owns the workflow and they are not revoked',
  generate,
};
