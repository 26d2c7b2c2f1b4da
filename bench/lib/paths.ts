/**
 * The repository root, so that the suite finds its scripts and writes its results in the same
 * place whether it runs as `npm run bench` (cwd = root) or through `clove bench` from elsewhere.
 */
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root (two levels above bench/lib). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** An absolute path inside the repository. */
export function fromRoot(relative: string): string {
  return fileURLToPath(new URL(relative, new URL('../../', import.meta.url)));
}
