package dev.weft.proxy.router;

import io.netty.channel.EventLoop;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One deadline at a time on an event loop, for exchange after exchange of one connection.
 *
 * <p>Each request arms a deadline (its route, request and idle timeouts) and nearly always ends
 * long before it; scheduling and cancelling a task per request costs an allocation and two
 * priority-queue operations on the event loop. This timer keeps its scheduled task when the
 * deadline moves later or is disarmed: the task wakes up at the old time, finds a later deadline
 * (or none) and sleeps again. A kept-alive HTTP/1.1 connection so schedules about once per
 * timeout period instead of once per request; it is rescheduled at once only when a deadline
 * comes earlier than the one scheduled.
 *
 * <p>Confined to its event loop.
 */
public final class DeadlineTimer {
    private final EventLoop loop;
    private final Runnable wake = this::wake;
    private ScheduledFuture<?> scheduled;
    /** When {@link #scheduled} runs (System.nanoTime()). */
    private long scheduledAt;
    private Runnable task;
    private long deadline;
    /** Serves one exchange only: nothing arms it after a disarm, so the wake-up is cancelled then. */
    private final boolean oneExchange;

    /** A timer for exchange after exchange of one connection (see the class comment). */
    public DeadlineTimer(EventLoop loop) {
        this(loop, false);
    }

    private DeadlineTimer(EventLoop loop, boolean oneExchange) {
        this.loop = loop;
        this.oneExchange = oneExchange;
    }

    /**
     * A timer for one exchange (an HTTP/2 stream): disarming it cancels its wake-up. Kept, the wake-up of
     * every finished stream would stay queued until its deadline (the route timeout, 15 s by default):
     * at 10,000 streams/s some 150,000 dead tasks on the loop's queue, each insert and removal slower,
     * and the heap filling up (issue 6's peers run: HTTP/2 at half its former rate, gRPC out of heap).
     */
    public static DeadlineTimer forOneExchange(EventLoop loop) {
        return new DeadlineTimer(loop, true);
    }

    /** Runs {@code task} at {@code deadline} (a System.nanoTime() value) unless disarmed; replaces what was armed. */
    public void arm(Runnable task, long deadline) {
        assert loop.inEventLoop();
        this.task = task;
        this.deadline = deadline;
        if (scheduled != null) {
            if (scheduledAt - deadline <= 0) {
                return; // wakes up first, then waits for the rest
            }
            scheduled.cancel(false);
        }
        schedule(deadline);
    }

    /**
     * Forgets {@code task} if it is the one armed; the scheduled wake-up stays and finds nothing to do, unless
     * the timer serves {@linkplain #forOneExchange one exchange}, whose wake-up is cancelled.
     */
    public void disarm(Runnable task) {
        if (this.task == task) {
            this.task = null;
        }
        if (oneExchange) {
            close();
        }
    }

    /** Whether a wake-up is scheduled. */
    boolean hasWakeUp() {
        return scheduled != null;
    }

    /** Forgets what is armed and cancels the wake-up: the connection is gone. */
    public void close() {
        task = null;
        if (scheduled != null) {
            scheduled.cancel(false);
            scheduled = null;
        }
    }

    private void schedule(long at) {
        scheduledAt = at;
        scheduled = loop.schedule(wake, Math.max(0, at - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void wake() {
        scheduled = null;
        Runnable t = task;
        if (t == null) {
            return;
        }
        if (deadline - System.nanoTime() > 0) {
            schedule(deadline);
            return;
        }
        task = null;
        t.run();
    }
}
