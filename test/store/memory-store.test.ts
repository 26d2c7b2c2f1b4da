import { createMemoryStore } from '../../src/store/index.ts';
import { describeTupleStore } from '../contract/tuple-store.contract.ts';

describeTupleStore('memory', async (opts) => createMemoryStore(opts));
