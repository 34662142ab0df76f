package dev.weft.bench.peers;

import dev.weft.bench.peers.PeerResults.Latency;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * The gRPC client of the benchmark, in the bench JVM: {@link GrpcUpstream#PREDICT} unary calls over {@link #CHANNELS}
 * plaintext (h2c prior knowledge) channels, each its own TCP connection. A call succeeds when it ends with status OK
 * and exactly the upstream's {@value GrpcUpstream#RESPONSE_BYTES}-byte message; anything else (another status, other
 * bytes, the {@link #DEADLINE}) is a failure.
 *
 * <p>Open loop ({@link #openLoop}): call {@code i} is intended at {@code start + i / rate} whatever happened to earlier
 * ones, and its latency runs from that intended time to its end, as the HTTP/1.1 generator's
 * ({@code OpenLoopLoadGenerator}) does; HTTP/2 multiplexes, so a call never waits for a free connection, only for the
 * proxy. Closed loop ({@link #closedLoop}): a fixed number of calls in flight, each replaced as it ends, for the most
 * calls per second a target serves.
 */
final class GrpcLoad {

    /** Channels (connections) per run, as a client service with a few pooled connections has. */
    static final int CHANNELS = 4;
    /** Calls in flight in the closed loop, spread over the channels. */
    static final int CONCURRENT_CALLS = 64;
    static final Duration DEADLINE = Duration.ofSeconds(10);
    /** How long calls still in flight after the schedule or the phase ends may take to finish. */
    private static final Duration MAX_DRAIN = DEADLINE.plusSeconds(2);
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(15);
    private static final long HIGHEST_MICROS = TimeUnit.SECONDS.toMicros(60);

    private GrpcLoad() {
    }

    /** What the closed loop measured; latencies in milliseconds from each call's start. */
    record Throughput(int concurrency, double callsPerSecond, long completed, long failed, double meanMillis,
                      double p99Millis, String failures) {
    }

    /** What the open loop measured, with how the failed calls ended (the three most frequent ways). */
    record OpenLoop(Latency latency, String failures) {
    }

    /**
     * Fails, saying what came back, unless {@code target} answers a call with status OK and the upstream's message
     * within {@link #CHECK_TIMEOUT} (retrying while the proxy is still connecting to its upstream).
     */
    static void check(String name, URI target) {
        List<ManagedChannel> channels = channels(target, 1);
        try {
            String last = "no answer";
            long deadline = System.nanoTime() + CHECK_TIMEOUT.toNanos();
            while (System.nanoTime() - deadline < 0) {
                Call call = new Call(System.nanoTime(), null);
                call.start(channels.get(0));
                if (!call.done.await(DEADLINE.toSeconds() + 2, TimeUnit.SECONDS)) {
                    last = "no end within " + DEADLINE.toSeconds() + " s";
                    continue;
                }
                if (call.succeeded()) {
                    return;
                }
                last = call.outcome();
                // a proxy answers at once while its upstream connection is not up: do not spin on it
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
            throw new IllegalStateException(name + " at " + target + " does not carry gRPC (" + GrpcUpstream.PREDICT
                    .getFullMethodName() + " should end with status OK and " + GrpcUpstream.RESPONSE_BYTES
                    + " message bytes): " + last);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            shutdown(channels);
        }
    }

    /**
     * {@code rate} calls per second for {@code warmup} (not recorded) and then {@code duration} (recorded), the
     * calls spread round robin over the channels. Blocks until every call ended or at most {@link #MAX_DRAIN} after the
     * last intended time; calls that have not ended by then count as failed.
     */
    static OpenLoop openLoop(URI target, int rate, Duration duration, Duration warmup) throws InterruptedException {
        List<ManagedChannel> channels = channels(target, CHANNELS);
        try {
            prime(channels);
            long total = callsWithin(rate, warmup.plus(duration));
            long unrecorded = callsWithin(rate, warmup);
            Tally tally = new Tally();
            CountDownLatch ended = new CountDownLatch((int) total);
            long start = System.nanoTime();
            double interval = 1e9 / rate;
            for (long i = 0; i < total; i++) {
                long intended = start + (long) (i * interval);
                long wait = intended - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException("gRPC load interrupted");
                }
                boolean recorded = i >= unrecorded;
                new Call(intended, call -> {
                    if (recorded) {
                        tally.add(call);
                    }
                    ended.countDown();
                }).start(channels.get((int) (i % channels.size())));
            }
            long lastIntended = start + (long) ((total - 1) * interval);
            ended.await(Math.max(0, lastIntended + MAX_DRAIN.toNanos() - System.nanoTime()), TimeUnit.NANOSECONDS);
            long windowStart = start + warmup.toNanos();
            long windowEnd = windowStart + duration.toNanos();
            // a call still in flight now never ended in time
            Tally.Closed t = tally.closeExpecting(total - unrecorded);
            double seconds = (Math.max(windowEnd, t.lastEnd()) - windowStart) / 1e9;
            Histogram latency = t.latencyMicros();
            long done = latency.getTotalCount();
            return new OpenLoop(new Latency(rate, done / seconds, latency.getValueAtPercentile(50) / 1000.0,
                    latency.getValueAtPercentile(99) / 1000.0, latency.getValueAtPercentile(99.9) / 1000.0, done,
                    t.failed()), t.failures());
        } finally {
            shutdown(channels);
        }
    }

    /**
     * {@code concurrency} calls in flight over the channels for {@code warmup} (not counted) and then
     * {@code duration}; each call that ends is replaced by a new one on the same channel until the phase is over.
     */
    static Throughput closedLoop(URI target, int concurrency, Duration duration, Duration warmup)
            throws InterruptedException {
        List<ManagedChannel> channels = channels(target, CHANNELS);
        try {
            prime(channels);
            Tally tally = new Tally();
            CountDownLatch stopped = new CountDownLatch(concurrency);
            long windowStart = System.nanoTime() + warmup.toNanos();
            long windowEnd = windowStart + duration.toNanos();
            for (int slot = 0; slot < concurrency; slot++) {
                ManagedChannel channel = channels.get(slot % channels.size());
                new Object() {
                    void next() {
                        new Call(System.nanoTime(), call -> {
                            // throughput counts the calls that end within the window, whenever they started
                            if (call.end - windowStart >= 0 && call.end - windowEnd <= 0) {
                                tally.add(call);
                            }
                            if (call.end - windowEnd < 0) {
                                next();
                            } else {
                                stopped.countDown();
                            }
                        }).start(channel);
                    }
                }.next();
            }
            boolean drained = stopped.await(warmup.plus(duration).plus(MAX_DRAIN).toNanos(), TimeUnit.NANOSECONDS);
            // a slot that has not stopped holds a call that never ended (one ending now is past the window: not added)
            Tally.Closed t = tally.closeWithUnended(drained ? 0 : stopped.getCount());
            Histogram latency = t.latencyMicros();
            long completed = latency.getTotalCount();
            return new Throughput(concurrency, completed / (duration.toNanos() / 1e9), completed, t.failed(),
                    latency.getMean() / 1000.0, latency.getValueAtPercentile(99) / 1000.0, t.failures());
        } finally {
            shutdown(channels);
        }
    }

    /** One call per channel, unrecorded, so connecting and the first call's cold code are not measured. */
    private static void prime(List<ManagedChannel> channels) throws InterruptedException {
        for (ManagedChannel channel : channels) {
            Call call = new Call(System.nanoTime(), null);
            call.start(channel);
            if (!call.done.await(DEADLINE.toSeconds() + 2, TimeUnit.SECONDS) || !call.succeeded()) {
                throw new IllegalStateException("the first gRPC call failed: " + call.outcome());
            }
        }
    }

    private static long callsWithin(int rate, Duration span) {
        return (long) Math.ceil(rate * (span.toNanos() / 1e9) - 1e-9);
    }

    private static List<ManagedChannel> channels(URI target, int count) {
        List<ManagedChannel> channels = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            // directExecutor: the listener runs on the transport's event loop; it only records and starts a call
            channels.add(NettyChannelBuilder.forAddress(target.getHost(), target.getPort())
                    .usePlaintext()
                    .directExecutor()
                    .build());
        }
        return channels;
    }

    private static void shutdown(List<ManagedChannel> channels) {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow();
        }
        for (ManagedChannel channel : channels) {
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * The calls of one run that count: latency of those that succeeded, failures by how they ended. Closing it fixes
     * the figures: a call that ends later (its channel is about to be shut down) no longer counts, so every call is
     * counted once, as succeeded, failed or not ended.
     */
    static final class Tally {
        private final Histogram latencyMicros = new Histogram(HIGHEST_MICROS, 3);
        private final Map<String, Long> failures = new HashMap<>();
        private long ended;
        private long failed;
        private long lastEnd = Long.MIN_VALUE;
        private boolean closed;

        /** What a closed tally holds; {@code failures} names the three most frequent outcomes, most frequent first. */
        record Closed(Histogram latencyMicros, long failed, String failures, long lastEnd) {
        }

        synchronized void add(Call call) {
            if (closed) {
                return;
            }
            ended++;
            if (call.succeeded()) {
                latencyMicros.recordValue(Math.min(HIGHEST_MICROS, (call.end - call.intended) / 1000));
                lastEnd = Math.max(lastEnd, call.end);
            } else {
                failed++;
                failures.merge(call.outcome(), 1L, Long::sum);
            }
        }

        /** Stops counting; of {@code expected} calls, those that have not ended count as failed. */
        synchronized Closed closeExpecting(long expected) {
            return closeWithUnended(Math.max(0, expected - ended));
        }

        /** Stops counting; {@code unended} calls that never ended count as failed. */
        synchronized Closed closeWithUnended(long unended) {
            closed = true;
            if (unended > 0) {
                failed += unended;
                failures.merge("no end within the run", unended, Long::sum);
            }
            String summary = failures.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .limit(3)
                    .map(e -> e.getValue() + " x " + e.getKey())
                    .collect(Collectors.joining("; "));
            return new Closed(latencyMicros.copy(), failed, summary, lastEnd);
        }
    }

    /** One unary call: its intended start, its end, what came back; {@code onEnd} runs once it has ended. */
    private static final class Call extends ClientCall.Listener<byte[]> {
        final long intended;
        private final Consumer<Call> onEnd;
        final CountDownLatch done = new CountDownLatch(1);
        private final AtomicReference<Status> status = new AtomicReference<>();
        private volatile int messageBytes = -1;
        private volatile int messages;
        volatile long end;

        Call(long intended, Consumer<Call> onEnd) {
            this.intended = intended;
            this.onEnd = onEnd;
        }

        void start(ManagedChannel channel) {
            ClientCall<byte[], byte[]> call = channel.newCall(GrpcUpstream.PREDICT,
                    CallOptions.DEFAULT.withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
            call.start(this, new Metadata());
            call.request(1);
            call.sendMessage(GrpcUpstream.REQUEST);
            call.halfClose();
        }

        @Override
        public void onMessage(byte[] message) {
            messageBytes = message.length;
            messages++;
        }

        @Override
        public void onClose(Status closed, Metadata trailers) {
            end = System.nanoTime();
            status.set(closed);
            done.countDown();
            if (onEnd != null) {
                onEnd.accept(this);
            }
        }

        boolean succeeded() {
            Status s = status.get();
            return s != null && s.isOk() && messages == 1 && messageBytes == GrpcUpstream.RESPONSE_BYTES;
        }

        /** How the call ended, in few enough words to count calls by it. */
        String outcome() {
            Status s = status.get();
            if (s == null) {
                return "no end";
            }
            String description = s.getDescription() == null ? "" : s.getDescription();
            return "status " + s.getCode() + (description.isEmpty() ? "" : " ("
                    + (description.length() > 100 ? description.substring(0, 100) + "..." : description) + ")")
                    + (s.getCause() == null ? "" : " caused by " + s.getCause().getClass().getSimpleName())
                    + ", " + messages + " message(s)" + (messageBytes < 0 ? "" : " of " + messageBytes + " bytes");
        }
    }
}
