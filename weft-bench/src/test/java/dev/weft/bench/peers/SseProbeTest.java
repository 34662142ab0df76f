package dev.weft.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class SseProbeTest {

    @Test
    void recordsTheDelayOfEveryEventAfterTheSkippedOnes() throws Exception {
        // given the SSE server sending 30 events per stream, one every 10 ms
        try (SseServer server = new SseServer(30)) {
            // when two streams are read directly
            SseProbe.SseResult result = SseProbe.run(URI.create("http://127.0.0.1:" + server.port() + "/sse"), 2, 30);

            // then each stream records its events after the first ten, each delay under a second
            assertThat(result.events()).isEqualTo(2 * 20);
            assertThat(result.percentileMillis(100)).isBetween(0.0, 1000.0);
        }
    }
}
