/**
 * Per-request deadlines without a timer per request. Every request of an app has the same timeout,
 * so deadlines fall in arrival order: pending requests wait in one doubly linked FIFO (O(1) to add
 * and to remove when a request finishes) and a single timer is armed for the oldest one.
 *
 * Why: a node timer per request (setTimeout, clearTimeout, and the promise raced against it) cost a
 * cached check about as much as the engine spent answering it. Precision is that of a node timer:
 * a request expires on the first timer tick at or after its deadline.
 */

/** A pending request: linked in place (no wrapper object), expired at most once. */
export abstract class Pending {
  /** Epoch ms after which the request expires. */
  abstract readonly deadline: number;
  prev: Pending | undefined = undefined;
  next: Pending | undefined = undefined;
  queued = false;
  /** Called once when the deadline passes before `DeadlineQueue.remove`. */
  abstract expire(): void;
}

/** The FIFO of pending requests sharing one timeout, and its one timer. */
export class DeadlineQueue {
  #head: Pending | undefined;
  #tail: Pending | undefined;
  #timer: NodeJS.Timeout | undefined;
  #armedFor = 0;
  readonly #tick = () => this.#onTimer();

  /** Queues `p`; deadlines must not decrease from one `add` to the next (one shared timeout). */
  add(p: Pending): void {
    p.prev = this.#tail;
    p.next = undefined;
    if (this.#tail) this.#tail.next = p;
    else this.#head = p;
    this.#tail = p;
    p.queued = true;
    if (this.#timer === undefined) this.#arm(p.deadline);
  }

  /** Takes `p` out (it finished); a no-op when it already left. */
  remove(p: Pending): void {
    if (!p.queued) return;
    p.queued = false;
    if (p.prev) p.prev.next = p.next;
    else this.#head = p.next;
    if (p.next) p.next.prev = p.prev;
    else this.#tail = p.prev;
    p.prev = undefined;
    p.next = undefined;
  }

  #arm(deadline: number): void {
    this.#armedFor = deadline;
    this.#timer = setTimeout(this.#tick, Math.max(1, deadline - Date.now()));
    // The server's sockets keep the process alive; a timer left for finished requests must not.
    this.#timer.unref();
  }

  #onTimer(): void {
    this.#timer = undefined;
    const now = Date.now();
    for (let p = this.#head; p !== undefined && p.deadline <= now; p = this.#head) {
      this.remove(p);
      p.expire();
    }
    if (this.#head !== undefined && this.#timer === undefined) this.#arm(this.#head.deadline);
  }

  /** Requests waiting (for tests). */
  get size(): number {
    let n = 0;
    for (let p = this.#head; p !== undefined; p = p.next) n++;
    return n;
  }

  /** The deadline the timer is armed for, or undefined when none is (for tests). */
  get armedFor(): number | undefined {
    return this.#timer === undefined ? undefined : this.#armedFor;
  }
}
