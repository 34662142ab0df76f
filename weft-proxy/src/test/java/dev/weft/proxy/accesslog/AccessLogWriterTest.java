package dev.weft.proxy.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.proxy.stats.Stats;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lines are written off the caller's thread; a full queue drops and counts instead of waiting; files reopen. */
class AccessLogWriterTest {
    private static final Duration BOUND = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    /** Standard output that holds the writer thread in its first write until released. */
    private static final class StuckOutput extends OutputStream {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            bytes.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            entered.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (this) {
                bytes.write(b, off, len);
            }
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void aFullQueueDropsAndCountsInsteadOfWaiting() throws Exception {
        Stats stats = new Stats();
        StuckOutput out = new StuckOutput();
        try (AccessLogWriter writer = new AccessLogWriter(stats, 2, out)) {
            AccessLogWriter.Sink sink = writer.sink(AccessLogWriter.STDOUT);

            // given: the writer thread is stuck writing the first line
            assertThat(sink.offer("a\n")).isTrue();
            assertThat(out.entered.await(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();

            // when: more lines come than the queue holds
            long start = System.nanoTime();
            assertThat(sink.offer("b\n")).isTrue();
            assertThat(sink.offer("c\n")).isTrue();
            assertThat(sink.offer("d\n")).isFalse();

            // then: the caller was not held up, the extra line is counted as dropped
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
            assertThat(stats.value("access_log.dropped")).isEqualTo(1);

            // and once the output moves again, every queued line is written in order
            out.release.countDown();
            await().atMost(BOUND).until(() -> stats.value("access_log.written") == 3);
            assertThat(out.text()).isEqualTo("a\nb\nc\n");
        }
    }

    @Test
    void reopenStartsANewFileAfterARotation() throws Exception {
        Stats stats = new Stats();
        Path log = dir.resolve("access.log");
        try (AccessLogWriter writer = new AccessLogWriter(stats)) {
            AccessLogWriter.Sink sink = writer.sink(log.toString());
            sink.offer("first\n");
            await().atMost(BOUND).until(() -> stats.value("access_log.written") == 1);

            // when: logrotate renames the file, then asks for a reopen
            Files.move(log, dir.resolve("access.log.1"));
            writer.reopen();
            await().atMost(BOUND).until(() -> stats.value("access_log.reopened") == 1);
            sink.offer("second\n");
            await().atMost(BOUND).until(() -> stats.value("access_log.written") == 2);

            // then: the old lines stay in the rotated file, new ones go to a new file at the configured path
            assertThat(Files.readString(dir.resolve("access.log.1"))).isEqualTo("first\n");
            assertThat(Files.readString(log)).isEqualTo("second\n");
        }
    }

    @Test
    void closeWritesWhatIsQueuedAndLaterLinesAreDropped() throws Exception {
        Stats stats = new Stats();
        Path log = dir.resolve("a.log");
        AccessLogWriter writer = new AccessLogWriter(stats);
        AccessLogWriter.Sink sink = writer.sink(log.toString());
        for (int i = 0; i < 1000; i++) {
            sink.offer("line " + i + "\n");
        }
        writer.close();

        assertThat(Files.readAllLines(log)).hasSize(1000).endsWith("line 999");
        assertThat(sink.offer("late\n")).isFalse();
        assertThat(stats.value("access_log.dropped")).isEqualTo(1);
    }

    @Test
    void aFileThatCannotBeWrittenCountsItsLinesAndIsTriedAgainAtTheNext() throws Exception {
        Stats stats = new Stats();
        Path sub = dir.resolve("gone");
        Path log = sub.resolve("access.log");
        try (AccessLogWriter writer = new AccessLogWriter(stats)) {
            AccessLogWriter.Sink sink = writer.sink(log.toString());

            // when: the directory is not there (removed after the config was accepted)
            sink.offer("lost\n");
            await().atMost(BOUND).until(() -> stats.value("access_log.write_failed") == 1);

            // then: once it is back, the next line opens the file again
            Files.createDirectories(sub);
            sink.offer("kept\n");
            await().atMost(BOUND).until(() -> stats.value("access_log.written") == 1);
            assertThat(Files.readString(log)).isEqualTo("kept\n");
        }
    }
}
