package dev.weft.proxy.tracing;

import dev.weft.proxy.stats.Stats;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends finished spans to a collector from its own thread, never from an event loop. {@link #export} is
 * lock-free: the span joins a bounded queue, or is dropped and counted when the queue is full (a slow or absent
 * collector costs spans, never request latency). The thread sends a report when {@code maxBatch} spans are
 * waiting or {@code flushInterval} has passed since the first one arrived; a failed report is counted and its
 * spans dropped (no retry: traces are sampled anyway, and a retry would hold the queue). The thread starts
 * with the first span and ends after {@code idleMillis} without one, so an exporter that a new configuration
 * no longer uses costs no thread.
 *
 * <p>Counters, under {@code tracing.<name>.}: {@code spans_sent}, {@code spans_dropped} (queue full),
 * {@code spans_failed} (in failed reports), {@code reports_sent}, {@code reports_failed}.
 */
public final class SpanExporter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpanExporter.class);

    /** Where reports go: one HTTP POST per report, blocking (it runs on the exporter's thread). */
    public interface Transport {
        /** Sends one report; throws when it was not accepted (connect failure, timeout, non-2xx). */
        void post(byte[] body, String contentType) throws IOException;
    }

    /**
     * Queue and batch sizes, and how long the thread stays without spans before it ends (the next span starts
     * another).
     */
    public record Settings(int queueCapacity, int maxBatch, long flushIntervalMillis, long idleMillis) {
        private static final long DEFAULT_IDLE_MILLIS = 300_000;
        public static final Settings DEFAULT = new Settings(8192, 256, 1000, DEFAULT_IDLE_MILLIS);

        public Settings {
            if (queueCapacity < 1 || maxBatch < 1 || flushIntervalMillis < 1 || idleMillis < 1) {
                throw new IllegalArgumentException("queueCapacity, maxBatch, flushIntervalMillis, idleMillis: "
                        + queueCapacity + ", " + maxBatch + ", " + flushIntervalMillis + ", " + idleMillis
                        + " (expected: all > 0)");
            }
        }

        public Settings(int queueCapacity, int maxBatch, long flushIntervalMillis) {
            this(queueCapacity, maxBatch, flushIntervalMillis, DEFAULT_IDLE_MILLIS);
        }
    }

    private final String name;
    private final SpanEncoder encoder;
    private final Transport transport;
    private final String serviceName;
    private final Settings settings;
    private final Queue<Span> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final LongAdder spansSent;
    private final LongAdder spansDropped;
    private final LongAdder spansFailed;
    private final LongAdder reportsSent;
    private final LongAdder reportsFailed;
    private final AtomicBoolean running = new AtomicBoolean();
    /** The current thread, null before the first span; a new one after an idle one ended. */
    private volatile Thread thread;
    private volatile boolean closed;
    private boolean failureLogged;

    /**
     * @param name        the counters' middle name, e.g. "zipkin"
     * @param serviceName the local service the spans are reported for
     */
    public SpanExporter(String name, SpanEncoder encoder, Transport transport, String serviceName, Settings settings,
                        Stats stats) {
        this.name = name;
        this.encoder = encoder;
        this.transport = transport;
        this.serviceName = serviceName;
        this.settings = settings;
        String p = "tracing." + name + ".";
        spansSent = stats.counter(p + "spans_sent");
        spansDropped = stats.counter(p + "spans_dropped");
        spansFailed = stats.counter(p + "spans_failed");
        reportsSent = stats.counter(p + "reports_sent");
        reportsFailed = stats.counter(p + "reports_failed");
    }

    /** Starts the thread unless one runs; called by {@link #export} (rarely: the thread ends only when idle). */
    private void start() {
        if (running.compareAndSet(false, true)) {
            Thread t = new Thread(this::run, "weft-tracing-" + name);
            t.setDaemon(true);
            thread = t;
            t.start();
        }
    }

    /** Queues a finished span; called on event loops. Returns false when it was dropped (queue full or closed). */
    public boolean export(Span span) {
        if (closed) {
            spansDropped.increment();
            return false;
        }
        int n = queued.incrementAndGet();
        if (n > settings.queueCapacity()) {
            queued.decrementAndGet();
            spansDropped.increment();
            return false;
        }
        queue.offer(span);
        if (!running.get()) {
            start();
        } else if (n == settings.maxBatch()) {
            LockSupport.unpark(thread);
        }
        return true;
    }

    /** Spans waiting to be sent. */
    public int queued() {
        return queued.get();
    }

    private void run() {
        long intervalNanos = TimeUnit.MILLISECONDS.toNanos(settings.flushIntervalMillis());
        long idleNanos = TimeUnit.MILLISECONDS.toNanos(settings.idleMillis());
        List<Span> batch = new ArrayList<>(settings.maxBatch());
        long firstWaiting = 0;
        long lastBusy = System.nanoTime();
        while (true) {
            boolean stopping = closed;
            int waiting = queued.get();
            long now = System.nanoTime();
            if (waiting > 0 && firstWaiting == 0) {
                firstWaiting = now;
            }
            if (waiting >= settings.maxBatch() || (waiting > 0 && (stopping || now - firstWaiting >= intervalNanos))) {
                drainAndSend(batch);
                firstWaiting = queued.get() > 0 ? System.nanoTime() : 0;
                lastBusy = System.nanoTime();
                continue;
            }
            if (stopping || (waiting == 0 && now - lastBusy >= idleNanos)) {
                // idle (an exporter of a collector no configuration names any more ends up here for good) or
                // closed: end, unless a span arrived while export() still saw this thread running
                running.set(false);
                if (queued.get() == 0 || !running.compareAndSet(false, true)) {
                    return;
                }
                lastBusy = System.nanoTime();
                continue;
            }
            LockSupport.parkNanos(this, waiting > 0 ? intervalNanos - (now - firstWaiting) : intervalNanos);
        }
    }

    private void drainAndSend(List<Span> batch) {
        batch.clear();
        Span s;
        while (batch.size() < settings.maxBatch() && (s = queue.poll()) != null) {
            queued.decrementAndGet();
            batch.add(s);
        }
        if (batch.isEmpty()) {
            return;
        }
        try {
            transport.post(encoder.encode(batch, serviceName), encoder.contentType());
            // spans first: who sees a report counted sees its spans counted
            spansSent.add(batch.size());
            reportsSent.increment();
            failureLogged = false;
        } catch (IOException | RuntimeException e) {
            spansFailed.add(batch.size());
            reportsFailed.increment();
            if (!failureLogged) {
                // once per run of failures: a collector that is down must not flood the log
                LOG.warn("tracing {}: report of {} spans failed: {} (further failures are counted in "
                        + "tracing.{}.reports_failed until one succeeds)", name, batch.size(), e.toString(), name);
                failureLogged = true;
            }
        }
    }

    /**
     * Stops taking spans; the thread sends what is queued (one last report, bounded by the transport's timeouts)
     * and ends. Does not wait for it: the proxy may close its telemetry on an event loop.
     */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
    }

    /** {@link #close()}, then waits up to {@code timeout} for the last report; whether the thread ended. */
    public boolean closeAndWait(java.time.Duration timeout) throws InterruptedException {
        close();
        Thread t = thread;
        if (t == null) {
            return true;
        }
        t.join(Math.max(1, timeout.toMillis()));
        return !t.isAlive();
    }

    /** Whether a thread is running (false before the first span and after an idle one ended). */
    public boolean running() {
        return running.get();
    }
}
