package dev.weft.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Processes}, {@link ManagedProcess} and {@link Ports} run external commands with bounded waits. */
class ProcessesTest {

    @Test
    void runCapturesExitCodeAndBothStreams() {
        Processes.Result result = Processes.run(Duration.ofSeconds(10),
                List.of("sh", "-c", "echo out; echo err >&2; exit 3"));

        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.succeeded()).isFalse();
        assertThat(result.stdout()).isEqualTo("out\n");
        assertThat(result.stderr()).isEqualTo("err\n");
    }

    @Test
    void runKillsAProcessThatOutlivesItsTimeout() {
        long start = System.nanoTime();

        assertThatThrownBy(() -> Processes.run(Duration.ofMillis(300), List.of("sleep", "30")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("did not finish within 300ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void awaitPortFailsFastWithTheOutputWhenTheProcessExits(@TempDir Path dir) {
        int port = Ports.findFree();
        try (ManagedProcess process = Processes.start(dir, dir.resolve("out.log"),
                List.of("sh", "-c", "echo cannot start; exit 2"))) {
            assertThatThrownBy(() -> process.awaitPort("127.0.0.1", port, Duration.ofSeconds(20)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("exited with 2")
                    .hasMessageContaining("cannot start");
        }
    }

    @Test
    void awaitPortReturnsOnceSomethingListens() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Processes.awaitPort("127.0.0.1", socket.getLocalPort(), Duration.ofSeconds(5));
        }
        int closed = Ports.findFree();
        assertThatThrownBy(() -> Processes.awaitPort("127.0.0.1", closed, Duration.ofMillis(200)))
                .hasMessageContaining("did not accept connections within 200ms");
    }

    @Test
    void closeStopsALongRunningProcess(@TempDir Path dir) {
        ManagedProcess process = Processes.start(dir, dir.resolve("out.log"), List.of("sleep", "60"));
        assertThat(process.isAlive()).isTrue();

        process.close();

        assertThat(process.isAlive()).isFalse();
    }
}
