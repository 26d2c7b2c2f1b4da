import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineQueue, Pending } from './deadlines.ts';

class Call extends Pending {
  expired = 0;
  constructor(readonly deadline: number) {
    super();
  }
  expire(): void {
    this.expired++;
  }
}

describe('DeadlineQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires pending requests once, in order, when their deadline passes', () => {
    const q = new DeadlineQueue();
    const a = new Call(Date.now() + 100);
    const b = new Call(Date.now() + 150);
    q.add(a);
    q.add(b);
    expect(q.size).toBe(2);
    vi.advanceTimersByTime(99);
    expect([a.expired, b.expired]).toEqual([0, 0]);
    vi.advanceTimersByTime(1);
    expect([a.expired, b.expired]).toEqual([1, 0]);
    vi.advanceTimersByTime(50);
    expect([a.expired, b.expired]).toEqual([1, 1]);
    expect(q.size).toBe(0);
    vi.advanceTimersByTime(1000);
    expect([a.expired, b.expired]).toEqual([1, 1]);
  });

  it('never expires a request removed before its deadline, and re-arms for the next', () => {
    const q = new DeadlineQueue();
    const a = new Call(Date.now() + 100);
    const b = new Call(Date.now() + 100);
    const c = new Call(Date.now() + 300);
    q.add(a);
    q.add(b);
    q.add(c);
    q.remove(b);
    q.remove(a);
    q.remove(a); // twice is a no-op
    expect(q.size).toBe(1);
    vi.advanceTimersByTime(100);
    expect([a.expired, b.expired, c.expired]).toEqual([0, 0, 0]);
    expect(q.armedFor).toBe(c.deadline);
    vi.advanceTimersByTime(200);
    expect(c.expired).toBe(1);
    expect(q.armedFor).toBeUndefined();
  });

  it('arms again for requests added after the queue drained', () => {
    const q = new DeadlineQueue();
    const a = new Call(Date.now() + 10);
    q.add(a);
    q.remove(a);
    vi.advanceTimersByTime(10);
    const b = new Call(Date.now() + 10);
    q.add(b);
    vi.advanceTimersByTime(10);
    expect([a.expired, b.expired]).toEqual([0, 1]);
  });

  it('keeps the FIFO linked when removing from the middle, head and tail', () => {
    const q = new DeadlineQueue();
    const calls = [0, 1, 2, 3, 4].map((i) => new Call(Date.now() + 10 + i));
    for (const c of calls) q.add(c);
    q.remove(calls[2] as Call);
    q.remove(calls[0] as Call);
    q.remove(calls[4] as Call);
    expect(q.size).toBe(2);
    vi.advanceTimersByTime(20);
    expect(calls.map((c) => c.expired)).toEqual([0, 1, 0, 1, 0]);
  });
});
