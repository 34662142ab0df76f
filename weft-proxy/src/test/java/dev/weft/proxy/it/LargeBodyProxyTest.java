package dev.weft.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weft.testkit.Curl;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bodies far larger than any buffer pass through the proxy with their exact length, and the proxy's
 * memory stays bounded while they do, also when the client reads slowly (back-pressure from the
 * downstream to the upstream).
 *
 * <p>How memory is measured: the model server runs in a JVM of its own ({@link ModelServerProcess}),
 * and the JDK HttpClient and curl do not use Netty, so in this JVM only the proxy allocates Netty
 * buffers. A sampler reads, every few milliseconds, the memory the default allocator has reserved
 * (direct and heap; it keeps chunks once allocated, so this is an upper bound of what is in use)
 * and the direct memory Netty has allocated outside any allocator's accounting, and the test checks
 * the growth over the level before the transfer. A proxy that buffered instead of streaming would
 * grow by hundreds of MiB (or fail with an out-of-memory error under the tests' 1 GiB limit).
 */
class LargeBodyProxyTest {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private static final long MEMORY_BOUND = 64 * MIB;
    /** The slow reader's pace: about half of what the path carries here when the client keeps up, even under PARANOID leak detection. */
    private static final long SLOW_READER_BYTES_PER_SECOND = 32 * MIB;
    private static final Duration TRANSFER_TIMEOUT = Duration.ofSeconds(60);

    /** Byte {@code i} of every body is {@code (byte) i}, as the model server's /bytes serves it. */
    private static final byte[] PATTERN = new byte[64 * 1024 + 256];

    static {
        for (int i = 0; i < PATTERN.length; i++) {
            PATTERN[i] = (byte) i;
        }
    }

    private static ModelServerProcess upstream;

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @BeforeAll
    static void startUpstream() {
        upstream = ModelServerProcess.start();
    }

    @AfterAll
    static void stopUpstream() throws IOException {
        upstream.close();
    }

    @Test
    void aOneGibibyteDownloadPassesWholeInBoundedMemory() throws Exception {
        assumeTrue(Curl.available(), "curl is not installed");
        try (ProxyFixture proxy = ProxyFixture.start(bootstrap());
             MemorySampler memory = MemorySampler.start()) {
            CurlDownload d = curlDownload("--http1.1", proxy.uri("/bytes/" + GIB).toString());

            assertThat(d.received()).isEqualTo(GIB);
            assertThat(d.summary()).isEqualTo("200 1.1 " + GIB);
            memory.assertGrowthBelow(MEMORY_BOUND);
        }
    }

    @Test
    void aOneGibibyteUploadPassesWholeInBoundedMemory() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bootstrap());
             MemorySampler memory = MemorySampler.start()) {
            HttpRequest upload = HttpRequest.newBuilder(proxy.uri("/sink"))
                    .timeout(TRANSFER_TIMEOUT)
                    .header("content-type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.fromPublisher(
                            HttpRequest.BodyPublishers.ofInputStream(() -> new PatternInputStream(GIB)), GIB))
                    .build();

            HttpResponse<String> r = client.sendAsync(upload, HttpResponse.BodyHandlers.ofString())
                    .get(TRANSFER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"bytes\":" + GIB + "}");
            memory.assertGrowthBelow(MEMORY_BOUND);
        }
    }

    @Test
    void aSlowReaderHoldsTheUpstreamBackInsteadOfFillingTheProxy() throws Exception {
        long size = 256 * MIB;
        try (ProxyFixture proxy = ProxyFixture.start(bootstrap());
             MemorySampler memory = MemorySampler.start()) {
            HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(proxy.uri("/bytes/" + size)).timeout(TRANSFER_TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(r.statusCode()).isEqualTo(200);

            long started = System.nanoTime();
            long received = bounded(() -> readPattern(r.body(), SLOW_READER_BYTES_PER_SECOND));

            assertThat(received).isEqualTo(size);
            assertThat(System.nanoTime() - started)
                    .as("the reader was throttled (ns)")
                    .isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(size / SLOW_READER_BYTES_PER_SECOND) * 9 / 10);
            memory.assertGrowthBelow(MEMORY_BOUND);
        }
    }

    @Test
    void aOneGibibyteDownloadOverHttp2PassesWholeInBoundedMemory() throws Exception {
        assumeTrue(Curl.available(), "curl is not installed");
        try (ProxyFixture proxy = ProxyFixture.start(bootstrap());
             MemorySampler memory = MemorySampler.start()) {
            CurlDownload d = curlDownload("--http2-prior-knowledge", proxy.uri("/bytes/" + GIB).toString());

            assertThat(d.received()).isEqualTo(GIB);
            assertThat(d.summary()).isEqualTo("200 2 " + GIB);
            memory.assertGrowthBelow(MEMORY_BOUND);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Route timeout off, as for any route carrying long streams (Envoy's route timeout covers the whole response). */
    private static String bootstrap() {
        return Bootstraps.of(Bootstraps.routeTo("model", "timeout: 0s"), Bootstraps.cluster("model", false, "", upstream.port()));
    }

    /** What curl downloaded: the bytes read from its output, and its status, HTTP version and size_download. */
    private record CurlDownload(long received, String summary) {
    }

    /**
     * Downloads {@code url} with curl (the fastest client at hand, so the proxy is what is measured),
     * checking the body against the pattern as curl writes it to its output.
     */
    private static CurlDownload curlDownload(String protocolFlag, String url) throws Exception {
        Path stderr = Files.createTempFile("weft-curl-", ".err");
        Process curl = new ProcessBuilder(Curl.executable().orElseThrow().toString(), "-sS", protocolFlag, "-o", "-",
                "-w", "%{stderr}%{http_code} %{http_version} %{size_download}",
                "--max-time", Long.toString(TRANSFER_TIMEOUT.toSeconds()), url)
                .redirectError(stderr.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        try {
            long received = bounded(() -> readPattern(curl.getInputStream(), 0));
            assertThat(curl.waitFor(10, TimeUnit.SECONDS)).as("curl exits").isTrue();
            String err = Files.readString(stderr, StandardCharsets.UTF_8).trim();
            assertThat(curl.exitValue()).as("curl exit code; stderr: %s", err).isZero();
            return new CurlDownload(received, err);
        } finally {
            curl.destroyForcibly();
            Files.deleteIfExists(stderr);
        }
    }

    /** Runs a blocking read with a bound; when it fails, closing the proxy ends the read. */
    private static <T> T bounded(Callable<T> read) throws Exception {
        ExecutorService reader = Executors.newSingleThreadExecutor();
        try {
            return reader.submit(read).get(TRANSFER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } finally {
            reader.shutdownNow();
        }
    }

    /**
     * Reads {@code in} to its end, checking each byte against the pattern, at most at
     * {@code bytesPerSecond} (0 for as fast as possible); returns the byte count.
     */
    private static long readPattern(InputStream in, long bytesPerSecond) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        long started = System.nanoTime();
        try (in) {
            int n;
            while ((n = in.read(buf, 0, bytesPerSecond > 0 ? 16 * 1024 : buf.length)) >= 0) {
                int offset = (int) (total & 0xFF);
                int mismatch = Arrays.mismatch(buf, 0, n, PATTERN, offset, offset + n);
                if (mismatch >= 0) {
                    throw new AssertionError("body byte " + (total + mismatch) + " is " + buf[mismatch]
                            + ", expected " + PATTERN[offset + mismatch]);
                }
                total += n;
                if (bytesPerSecond > 0) {
                    // pacing, not synchronisation: the reader is slow on purpose
                    long due = started + total * 1_000_000_000L / bytesPerSecond;
                    long ahead = due - System.nanoTime();
                    if (ahead > 0) {
                        LockSupport.parkNanos(ahead);
                    }
                }
            }
        }
        return total;
    }

    /** {@code length} bytes of the pattern, produced as they are read. */
    private static final class PatternInputStream extends InputStream {
        private final long length;
        private long position;

        PatternInputStream(long length) {
            this.length = length;
        }

        @Override
        public int read() {
            return position < length ? PATTERN[(int) (position++ & 0xFF)] & 0xFF : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= length) {
                return -1;
            }
            int n = (int) Math.min(Math.min(len, 64 * 1024), length - position);
            System.arraycopy(PATTERN, (int) (position & 0xFF), b, off, n);
            position += n;
            return n;
        }
    }

    /**
     * Samples this JVM's Netty buffer memory every few milliseconds: what the default allocator has
     * reserved (direct plus heap) and the direct memory Netty counts itself.
     */
    private static final class MemorySampler implements AutoCloseable {
        private final ByteBufAllocatorMetric allocator = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "memory-sampler");
            t.setDaemon(true);
            return t;
        });
        private final long allocatorBaseline = allocatorUsed();
        private final long directBaseline = PlatformDependent.usedDirectMemory();
        private final AtomicLong allocatorMax = new AtomicLong(allocatorBaseline);
        private final AtomicLong directMax = new AtomicLong(directBaseline);

        static MemorySampler start() {
            MemorySampler s = new MemorySampler();
            s.timer.scheduleAtFixedRate(s::sample, 0, 5, TimeUnit.MILLISECONDS);
            return s;
        }

        private long allocatorUsed() {
            return allocator.usedDirectMemory() + allocator.usedHeapMemory();
        }

        private void sample() {
            allocatorMax.accumulateAndGet(allocatorUsed(), Math::max);
            directMax.accumulateAndGet(PlatformDependent.usedDirectMemory(), Math::max);
        }

        void assertGrowthBelow(long bound) throws InterruptedException {
            timer.shutdown();
            assertThat(timer.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            sample();
            assertThat(allocatorMax.get() - allocatorBaseline)
                    .as("growth of the allocator's reserved memory (baseline %d MiB, max %d MiB)",
                            allocatorBaseline / MIB, allocatorMax.get() / MIB)
                    .isLessThan(bound);
            if (directBaseline >= 0) {
                assertThat(directMax.get() - directBaseline)
                        .as("growth of Netty's direct memory (baseline %d MiB, max %d MiB)", directBaseline / MIB, directMax.get() / MIB)
                        .isLessThan(bound);
            }
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }
}
