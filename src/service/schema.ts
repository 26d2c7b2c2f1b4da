/** Schema use cases: write (compile, then store; or dry run) and read. */
import { AppError } from '../errors.ts';
import { compileSchema } from '../schema/index.ts';
import type { Clove, ServiceDeps } from './clove.ts';

export function createSchemaUseCases(deps: ServiceDeps): Pick<Clove, 'writeSchema' | 'readSchema'> {
  const { store, reads, zookies } = deps;
  return {
    async writeSchema(text, opts = {}) {
      // Throws SchemaError (schema_syntax_error / schema_invalid) with every diagnostic.
      const ir = compileSchema(text);
      if (opts.dryRun) {
        const head = await store.headRevision();
        return { zookie: zookies.encode(head), hash: ir.hash, dryRun: true };
      }
      const rev = await store.writeSchema(
        { text, ir },
        opts.metadata ? { metadata: opts.metadata } : {},
      );
      return { zookie: zookies.encode(rev), hash: ir.hash, dryRun: false };
    },

    async readSchema(opts = {}) {
      const { revision, zookie } = await reads.revision(opts);
      const schema = await reads.schemaAt(revision);
      if (!schema) throw new AppError('schema_not_found', 'no schema has been written yet');
      return { text: schema.text, hash: schema.ir.hash, zookie };
    },
  };
}
