package dev.weft.testkit.load;

import dev.weft.testkit.load.LoadWorker.WorkerResult;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * A fixed-rate, open-loop HTTP/1.1 load generator in the manner of wrk2: request {@code i} is intended
 * at {@code start + i / rate} whatever happened to earlier ones, goes out on an idle keep-alive
 * connection or waits in a FIFO queue for one, and its latency runs from that intended time to the end
 * of its response. A slow server therefore shows in the latency of every request that had to wait
 * behind it, not only in the one it stalled (no coordinated omission).
 *
 * <p>The calling thread paces the schedule; Netty NIO event loops (one by default) own the
 * connections and, while busy, also issue due requests from their own clock. Before the clock starts,
 * every connection is opened and sends one unrecorded request, so connecting and cold code are not
 * measured. A request that has not completed within {@link #REQUEST_TIMEOUT} of its intended time is
 * an error, as are connect failures (while no connection is up, waiting requests fail at once) and
 * resets. After the last intended time, requests in flight get at most {@link #MAX_DRAIN} to finish.
 *
 * <p>Latency includes how late the generator itself sends: the pacing thread wakes within tens of
 * microseconds of an intended time on an idle machine, more on a loaded one.
 */
public final class OpenLoopLoadGenerator {

    /** How long after its intended time a request may take before it counts as an error. */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    /** How long requests still in flight after the schedule ends may take to finish. */
    public static final Duration MAX_DRAIN = Duration.ofSeconds(5);

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final long SHUTDOWN_TIMEOUT_SECONDS = 10;

    private OpenLoopLoadGenerator() {
    }

    /** Runs {@code spec} with one event loop and returns once every request is answered or failed. */
    public static LoadResult run(LoadSpec spec) throws InterruptedException {
        return run(spec, 1);
    }

    /**
     * Runs {@code spec} with up to {@code eventLoops} event-loop threads (never more than there are
     * connections), blocking for the warm-up, the duration and at most {@link #MAX_DRAIN}. Every thread
     * it started has ended when it returns.
     */
    public static LoadResult run(LoadSpec spec, int eventLoops) throws InterruptedException {
        if (eventLoops < 1) {
            throw new IllegalArgumentException("eventLoops: " + eventLoops + " (expected: >= 1)");
        }
        int threads = Math.min(eventLoops, spec.connections());
        InetSocketAddress address = resolve(spec);
        ByteBuf encoded = encode(spec);
        ByteBuf request = Unpooled.unreleasableBuffer(encoded);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads,
                new DefaultThreadFactory("weft-load", true), NioIoHandler.newFactory());
        try {
            return run(spec, threads, group, address, request);
        } finally {
            Future<?> shutdown = group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            boolean interrupted = Thread.interrupted();
            shutdown.awaitUninterruptibly(SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            encoded.release();
        }
    }

    private static LoadResult run(LoadSpec spec, int threads, EventLoopGroup group, InetSocketAddress address,
                                  ByteBuf request) throws InterruptedException {
        Bootstrap bootstrap = new Bootstrap()
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT_TIMEOUT.toMillis());
        boolean head = "HEAD".equalsIgnoreCase(spec.method());
        CountDownLatch primed = new CountDownLatch(spec.connections());
        LoadWorker[] workers = new LoadWorker[threads];
        long timeoutNanos = REQUEST_TIMEOUT.toNanos();
        for (int k = 0; k < threads; k++) {
            workers[k] = new LoadWorker(k, threads, spec.connections(), group.next(), bootstrap, address, request, head,
                    timeoutNanos, primed);
        }
        for (LoadWorker worker : workers) {
            worker.connectAll();
        }
        // The schedule starts once the connections are up and primed, so connecting is not measured.
        primed.await(CONNECT_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
        long start = System.nanoTime();
        Schedule schedule = new Schedule(spec, start);
        for (LoadWorker worker : workers) {
            worker.start(schedule);
        }
        pace(schedule, workers);
        long drainDeadline = schedule.intended(schedule.total - 1) + MAX_DRAIN.toNanos();
        for (LoadWorker worker : workers) {
            worker.awaitDrained(Math.max(0, drainDeadline - System.nanoTime()));
        }
        long sent = 0;
        long completed = 0;
        long errors = 0;
        long[] statuses = null;
        Histogram latency = new Histogram(LoadWorker.HIGHEST_LATENCY_MICROS, 3);
        long lastCompletion = Long.MIN_VALUE;
        for (LoadWorker worker : workers) {
            WorkerResult result = result(worker);
            sent += result.sent();
            completed += result.completed();
            errors += result.errors();
            latency.add(result.latencyMicros());
            lastCompletion = Math.max(lastCompletion, result.lastCompletion());
            if (statuses == null) {
                statuses = result.statuses();
            } else {
                for (int s = 0; s < statuses.length; s++) {
                    statuses[s] += result.statuses()[s];
                }
            }
        }
        Map<Integer, Long> statusCounts = new TreeMap<>();
        for (int s = 0; s < statuses.length; s++) {
            if (statuses[s] > 0) {
                statusCounts.put(s, statuses[s]);
            }
        }
        long windowStart = start + spec.warmup().toNanos();
        long windowEnd = windowStart + spec.duration().toNanos();
        Duration measured = Duration.ofNanos(Math.max(windowEnd, lastCompletion) - windowStart);
        double achieved = completed / (measured.toNanos() / 1e9);
        return new LoadResult(sent, completed, errors, statusCounts, latency, achieved, measured);
    }

    /**
     * Publishes each request to its worker at its intended time. Parking wakes a little late; the
     * requests that fell due meanwhile go out together, still timed from their own intended times.
     */
    private static void pace(Schedule schedule, LoadWorker[] workers) throws InterruptedException {
        long published = 0;
        while (published < schedule.total) {
            long due = schedule.dueAt(System.nanoTime());
            if (due > published) {
                published = due;
                for (LoadWorker worker : workers) {
                    worker.publish(due);
                }
            }
            if (published < schedule.total) {
                LockSupport.parkNanos(schedule.intended(published) - System.nanoTime());
            }
            if (Thread.interrupted()) {
                throw new InterruptedException("load generation interrupted");
            }
        }
    }

    private static WorkerResult result(LoadWorker worker) throws InterruptedException {
        try {
            return worker.finish().get(SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("load worker did not stop", e);
        }
    }

    private static InetSocketAddress resolve(LoadSpec spec) {
        int port = spec.target().getPort() < 0 ? 80 : spec.target().getPort();
        InetSocketAddress address = new InetSocketAddress(spec.target().getHost(), port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("target: cannot resolve host '" + spec.target().getHost() + "'");
        }
        return address;
    }

    /** The request as bytes on the wire, encoded once and written as-is for every request. */
    static ByteBuf encode(LoadSpec spec) {
        String path = spec.target().getRawPath() == null || spec.target().getRawPath().isEmpty()
                ? "/" : spec.target().getRawPath();
        if (spec.target().getRawQuery() != null) {
            path = path + "?" + spec.target().getRawQuery();
        }
        StringBuilder head = new StringBuilder(256)
                .append(spec.method()).append(' ').append(path).append(" HTTP/1.1\r\n");
        Map<String, String> headers = spec.headers();
        if (!containsIgnoreCase(headers, "host")) {
            head.append("host: ").append(spec.target().getRawAuthority()).append("\r\n");
        }
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        byte[] body = spec.body();
        if (spec.sendsContentLength() && !containsIgnoreCase(headers, "content-length")) {
            head.append("content-length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuf buf = Unpooled.directBuffer(headBytes.length + body.length);
        buf.writeBytes(headBytes).writeBytes(body);
        return buf;
    }

    private static boolean containsIgnoreCase(Map<String, String> headers, String name) {
        for (String key : headers.keySet()) {
            if (key.toLowerCase(Locale.ROOT).equals(name)) {
                return true;
            }
        }
        return false;
    }
}
