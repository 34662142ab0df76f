package dev.weft.testkit.modelserver;

import java.util.ArrayDeque;

/**
 * Limits how many completion requests a server processes at once; the rest wait in FIFO order up to a
 * bound. Shared by all event loops of a server, so it is guarded by its own lock; waiters are told
 * they hold a slot through {@link Waiter#granted()}, called outside the lock from any thread.
 */
final class ConcurrencyGate {

    /** Someone waiting for a slot. */
    interface Waiter {
        /** The waiter now holds a slot and must {@link #release()} it exactly once. */
        void granted();
    }

    /** What {@link #acquire} did. */
    enum Outcome { GRANTED, QUEUED, REJECTED }

    private final int maxConcurrency;
    private final int maxQueue;
    private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
    private int active;

    /** {@code maxConcurrency} 0 means unlimited. */
    ConcurrencyGate(int maxConcurrency, int maxQueue) {
        this.maxConcurrency = maxConcurrency;
        this.maxQueue = maxQueue;
    }

    /**
     * Takes a slot now ({@link Outcome#GRANTED}: the caller holds it; {@code granted()} is not called),
     * or queues the waiter, or rejects it when the queue is full.
     */
    synchronized Outcome acquire(Waiter waiter) {
        if (maxConcurrency == 0 || active < maxConcurrency) {
            active++;
            return Outcome.GRANTED;
        }
        if (queue.size() >= maxQueue) {
            return Outcome.REJECTED;
        }
        queue.addLast(waiter);
        return Outcome.QUEUED;
    }

    /** Gives a slot back; the next waiter, if any, takes it over. */
    void release() {
        Waiter next;
        synchronized (this) {
            next = queue.pollFirst();
            if (next == null) {
                active--;
                return;
            }
        }
        next.granted();
    }

    /** Removes a waiter that gave up; false when it was already handed a slot. */
    synchronized boolean cancel(Waiter waiter) {
        return queue.remove(waiter);
    }

    synchronized int queued() {
        return queue.size();
    }

    synchronized int active() {
        return active;
    }
}
