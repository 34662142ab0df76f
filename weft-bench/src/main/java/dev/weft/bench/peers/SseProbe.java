package dev.weft.bench.peers;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Histogram;

/**
 * The SSE client: opens {@code streams} event streams at once and records, for every event, the
 * time from its write at the {@link SseServer} to its arrival here (both clocks are the same JVM's
 * {@code System.nanoTime()}).
 */
final class SseProbe {

    /** Events at the start of each stream that are not recorded (connection set-up, JIT). */
    private static final int SKIPPED_EVENTS = 10;
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);

    private SseProbe() {
    }

    /** The per-event delay in microseconds over all streams, and how many events arrived. */
    record SseResult(Histogram delayMicros, long events) {

        double percentileMillis(double percentile) {
            return delayMicros.getValueAtPercentile(percentile) / 1000.0;
        }
    }

    static SseResult run(URI uri, int streams, int eventsPerStream) {
        Histogram histogram = new Histogram(60_000_000L, 3);
        ExecutorService pool = Executors.newFixedThreadPool(streams);
        try {
            List<Future<Histogram>> results = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                results.add(pool.submit(() -> stream(uri, eventsPerStream)));
            }
            long boundMillis = eventsPerStream * SseServer.INTERVAL_NANOS / 1_000_000 + 30_000;
            for (Future<Histogram> result : results) {
                histogram.add(result.get(boundMillis, TimeUnit.MILLISECONDS));
            }
            return new SseResult(histogram, histogram.getTotalCount());
        } catch (ExecutionException e) {
            throw new IllegalStateException("SSE stream from " + uri + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("SSE stream from " + uri + " did not end in time", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            pool.shutdownNow();
        }
    }

    private static Histogram stream(URI uri, int events) throws IOException {
        Histogram histogram = new Histogram(60_000_000L, 3);
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(10_000);
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 2_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String status = asciiLine(in);
            boolean chunked = false;
            for (String header = asciiLine(in); !header.isEmpty(); header = asciiLine(in)) {
                String lower = header.toLowerCase(Locale.ROOT);
                chunked |= lower.startsWith("transfer-encoding:") && lower.contains("chunked");
            }
            if (!status.startsWith("HTTP/1.1 200")) {
                throw new IOException("unexpected response: " + status);
            }
            EventLines lines = new EventLines(histogram);
            try {
                // Proxies may cut the stream into chunks anywhere (a read can end mid-event), so the
                // chunked framing is decoded before events are looked for.
                while (lines.seen < events) {
                    if (chunked) {
                        int size = Integer.parseInt(asciiLine(in).split(";", 2)[0].trim(), 16);
                        if (size == 0) {
                            throw new EOFException("response ended");
                        }
                        for (int i = 0; i < size; i++) {
                            lines.accept(readByte(in));
                        }
                        asciiLine(in);
                    } else {
                        lines.accept(readByte(in));
                    }
                }
            } catch (IOException e) {
                throw new IOException(e.getMessage() + " after " + lines.seen + " of " + events + " events", e);
            }
        }
        return histogram;
    }

    /** Splits the decoded body into lines and records the delay of each {@code data:} line as it ends. */
    private static final class EventLines {
        private final Histogram histogram;
        private final byte[] line = new byte[256];
        private int length;
        int seen;

        EventLines(Histogram histogram) {
            this.histogram = histogram;
        }

        void accept(int b) {
            if (b != '\n') {
                if (length < line.length) {
                    line[length++] = (byte) b;
                }
                return;
            }
            long now = System.nanoTime();
            if (startsWithData()) {
                long sent = Long.parseLong(new String(line, DATA.length, length - DATA.length, StandardCharsets.US_ASCII));
                if (seen++ >= SKIPPED_EVENTS) {
                    histogram.recordValue(Math.max(0, (now - sent) / 1000));
                }
            }
            length = 0;
        }

        private boolean startsWithData() {
            if (length <= DATA.length) {
                return false;
            }
            for (int i = 0; i < DATA.length; i++) {
                if (line[i] != DATA[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    private static int readByte(InputStream in) throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("connection closed");
        }
        return b;
    }

    /** One line of the response head or chunk framing, without its CR LF. */
    private static String asciiLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = readByte(in); b != '\n'; b = readByte(in)) {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }
}
