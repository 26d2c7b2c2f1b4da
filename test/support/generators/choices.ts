/**
 * A choice stream: generators draw every decision from a list of naturals that fast-check produces
 * and shrinks. Choice 0 is always the simplest option and an exhausted stream answers 0, so when
 * fast-check shrinks the list (shorter, smaller numbers) the generated case becomes simpler while
 * staying valid by construction (the idea of Hypothesis' choice sequences).
 */
export class Choices {
  private next = 0;

  constructor(private readonly stream: readonly number[]) {}

  /** An integer in [0, n); 0 when n <= 1 or the stream is exhausted. */
  int(n: number): number {
    if (n <= 1) return 0;
    const v = this.stream[this.next++] ?? 0;
    return v % n;
  }

  /** True with probability about k/n; false (the simple answer) on an exhausted stream. */
  chance(k: number, n: number): boolean {
    return this.int(n) >= n - k;
  }

  /** One element of a non-empty list, the first being the simplest. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Choices.pick on an empty list');
    return items[this.int(items.length)] as T;
  }

  /** A subset of `items` keeping order; each kept with probability about k/n. */
  subset<T>(items: readonly T[], k = 1, n = 2): T[] {
    return items.filter(() => this.chance(k, n));
  }
}
