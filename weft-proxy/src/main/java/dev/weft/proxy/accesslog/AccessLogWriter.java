package dev.weft.proxy.accesslog;

import dev.weft.proxy.stats.Stats;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes access log lines off the event loops: one thread for the whole proxy ("weft-access-log"), one bounded
 * lock-free queue per destination (stdout or a file). An event loop only offers a finished line; when a queue is
 * full the line is dropped and counted ({@code access_log.dropped}), never waited for. The thread writes what
 * has queued up in one buffered write per destination every {@value #FLUSH_INTERVAL_MILLIS} ms (Envoy's
 * file_flush_interval is 1 s), and sooner when a queue is a quarter full. An event loop does not wake the thread
 * per line: at a few thousand requests/s a wake-up and a write per line cost more CPU than the request itself.
 *
 * <p>Files are opened in append mode when their first line comes, and kept open. {@link #reopen()} (admin
 * {@code POST /reopen_logs}, as in Envoy) makes the thread close and reopen every file before its next write,
 * so logrotate's rename-then-signal works; a file that cannot be (re)opened counts
 * {@code access_log.write_failed} for each line lost and is tried again at the next line.
 *
 * <p>Stats: {@code access_log.written}, {@code access_log.dropped}, {@code access_log.write_failed},
 * {@code access_log.reopened}.
 */
public final class AccessLogWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AccessLogWriter.class);
    /** Lines a destination may have waiting before new ones are dropped. */
    public static final int DEFAULT_QUEUE_CAPACITY = 16_384;
    /** The destination name of the process's standard output. */
    public static final String STDOUT = "/dev/stdout";
    /** How long lines may wait in a queue that is less than a quarter full. */
    public static final long FLUSH_INTERVAL_MILLIS = 100;

    private final int capacity;
    /** Queued lines at which an offer wakes the thread rather than leaving the lines to the next flush. */
    private final int wakeThreshold;
    private final OutputStream stdout;
    private final Map<String, Sink> sinks = new ConcurrentHashMap<>();
    private final LongAdder written;
    private final LongAdder dropped;
    private final LongAdder failed;
    private final LongAdder reopened;
    private final Object startLock = new Object();
    private volatile Thread thread;
    private volatile boolean sleeping;
    private volatile boolean reopenRequested;
    private volatile boolean closed;

    /** A writer whose stdout destination is the process's standard output. */
    public AccessLogWriter(Stats stats) {
        this(stats, DEFAULT_QUEUE_CAPACITY, System.out);
    }

    /**
     * @param capacity lines each destination may have waiting
     * @param stdout   where {@link #STDOUT} lines go
     */
    public AccessLogWriter(Stats stats, int capacity, OutputStream stdout) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: > 0)");
        }
        this.capacity = capacity;
        this.wakeThreshold = Math.max(1, capacity / 4);
        this.stdout = stdout;
        this.written = stats.counter("access_log.written");
        this.dropped = stats.counter("access_log.dropped");
        this.failed = stats.counter("access_log.write_failed");
        this.reopened = stats.counter("access_log.reopened");
    }

    /**
     * The destination {@code target} ({@link #STDOUT} or a file path), made on first use and shared by every
     * access log that names it. The writer thread starts with the first destination: a proxy without access
     * logs has none.
     */
    public Sink sink(String target) {
        Sink s = sinks.get(target);
        if (s != null) {
            return s;
        }
        s = sinks.computeIfAbsent(target, Sink::new);
        startThread();
        return s;
    }

    /** Asks the writer thread to close and reopen every file before its next write (after a log rotation). */
    public void reopen() {
        reopenRequested = true;
        wake();
    }

    /** Stops the thread after it wrote every line already queued (bounded by {@code timeoutMillis}). */
    @Override
    public void close() {
        close(5_000);
    }

    public void close(long timeoutMillis) {
        closed = true;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(timeoutMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void startThread() {
        if (thread != null) {
            return;
        }
        synchronized (startLock) {
            if (thread == null && !closed) {
                Thread t = new Thread(this::run, "weft-access-log");
                t.setDaemon(true);
                thread = t;
                t.start();
            }
        }
    }

    private void wake() {
        if (sleeping) {
            sleeping = false;
            Thread t = thread;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    private void run() {
        while (true) {
            if (reopenRequested) {
                reopenRequested = false;
                for (Sink s : sinks.values()) {
                    s.closeFile();
                }
                reopened.increment();
            }
            boolean any = false;
            for (Sink s : sinks.values()) {
                any |= s.drain();
            }
            if (any) {
                continue;
            }
            if (closed) {
                for (Sink s : sinks.values()) {
                    s.closeFile();
                }
                return;
            }
            // Dekker with offer(): a queue that fills up is either seen here or wakes this thread
            sleeping = true;
            boolean empty = !reopenRequested;
            for (Sink s : sinks.values()) {
                empty &= s.queue.isEmpty();
            }
            if (empty && !closed) {
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(FLUSH_INTERVAL_MILLIS));
            }
            sleeping = false;
        }
    }

    /** One destination: its queue (filled by event loops) and, on the writer thread, its open file. */
    public final class Sink {
        private final String target;
        private final Queue<String> queue;
        private final StringBuilder batch = new StringBuilder(8192);
        private OutputStream out;
        /** Writer thread only: whether the last write failed (a failure is logged once per run of failures). */
        private boolean failing;

        private Sink(String target) {
            this.target = target;
            this.queue = PlatformDependent.newFixedMpscQueue(capacity);
        }

        /** The destination: {@link #STDOUT} or a file path. */
        public String target() {
            return target;
        }

        /** Queues {@code line} (any thread, never blocks); false when the queue is full and the line was dropped. */
        public boolean offer(String line) {
            if (closed || !queue.offer(line)) {
                dropped.increment();
                return false;
            }
            if (sleeping && queue.size() >= wakeThreshold) {
                wake();
            }
            return true;
        }

        /** On the writer thread: writes what is queued; whether there was anything. */
        private boolean drain() {
            String line = queue.poll();
            if (line == null) {
                return false;
            }
            int lines = 0;
            batch.setLength(0);
            do {
                batch.append(line);
                lines++;
            } while (batch.length() < 64 * 1024 && (line = queue.poll()) != null);
            byte[] bytes = batch.toString().getBytes(StandardCharsets.UTF_8);
            try {
                OutputStream o = open();
                o.write(bytes);
                o.flush();
                written.add(lines);
                if (failing) {
                    failing = false;
                    LOG.info("access log {}: writing again", target);
                }
            } catch (IOException e) {
                failed.add(lines);
                closeFile();
                if (!failing) {
                    failing = true;
                    LOG.warn("access log {}: cannot write ({}); lines are lost and counted in access_log.write_failed, "
                            + "and the file is opened again at the next line", target, e.toString());
                }
            }
            if (batch.capacity() > 256 * 1024) {
                batch.setLength(0);
                batch.trimToSize();
            }
            return true;
        }

        private OutputStream open() throws IOException {
            if (out == null) {
                out = target.equals(STDOUT) ? stdout : Files.newOutputStream(Path.of(target),
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
            }
            return out;
        }

        private void closeFile() {
            if (out != null && out != stdout) {
                try {
                    out.close();
                } catch (IOException ignored) {
                    // a failed close loses nothing the last flush did not already report
                }
            }
            out = null;
        }
    }
}
