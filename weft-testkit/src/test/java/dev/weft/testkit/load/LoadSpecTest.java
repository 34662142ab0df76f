package dev.weft.testkit.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link LoadSpec}: what it accepts, what it refuses and why, and the request bytes it makes. */
class LoadSpecTest {

    private static final URI TARGET = URI.create("http://127.0.0.1:8080/v1/models?x=1");
    private static final Duration SECOND = Duration.ofSeconds(1);

    @Test
    void getHasNoBodyNoHeadersAndNoWarmup() {
        LoadSpec spec = LoadSpec.get(TARGET, 16, 1000, SECOND);

        assertThat(spec.method()).isEqualTo("GET");
        assertThat(spec.body()).isEmpty();
        assertThat(spec.headers()).isEmpty();
        assertThat(spec.warmup()).isZero();
        assertThat(spec.totalRequests()).isEqualTo(1000);
    }

    @Test
    void warmupAddsRequestsBeforeTheMeasuredOnes() {
        LoadSpec spec = LoadSpec.get(TARGET, 1, 250, SECOND).withWarmup(Duration.ofMillis(500));

        assertThat(spec.warmupRequests()).isEqualTo(125);
        assertThat(spec.totalRequests()).isEqualTo(375);
    }

    @Test
    void aFractionalRateRoundsTheCountUp() {
        LoadSpec spec = LoadSpec.get(TARGET, 1, 0.5, Duration.ofSeconds(3));

        // requests intended at 0 s, 2 s: both before 3 s
        assertThat(spec.totalRequests()).isEqualTo(2);
    }

    @Test
    void aRequestIntendedExactlyAtTheEndIsNotSent() {
        LoadSpec spec = LoadSpec.get(TARGET, 1, 1.1, Duration.ofSeconds(30));

        // 1.1 x 30 is 33.00000000000001 in doubles; request 33 would be intended at 30 s, past the window
        assertThat(spec.totalRequests()).isEqualTo(33);
    }

    @Test
    void refusesWhatItCannotRun() {
        assertThatThrownBy(() -> LoadSpec.get(URI.create("https://example.com/"), 1, 1, SECOND))
                .hasMessageContaining("target: https://example.com/").hasMessageContaining("only plain HTTP");
        assertThatThrownBy(() -> LoadSpec.get(URI.create("/relative"), 1, 1, SECOND))
                .hasMessageContaining("expected an http:// URI");
        assertThatThrownBy(() -> LoadSpec.get(TARGET, 0, 1, SECOND))
                .hasMessage("connections: 0 (expected: >= 1)");
        assertThatThrownBy(() -> LoadSpec.get(TARGET, 1, 0, SECOND))
                .hasMessage("ratePerSecond: 0.0 (expected: a finite number > 0)");
        assertThatThrownBy(() -> LoadSpec.get(TARGET, 1, Double.NaN, SECOND))
                .hasMessageStartingWith("ratePerSecond: NaN");
        assertThatThrownBy(() -> LoadSpec.get(TARGET, 1, 1, Duration.ZERO))
                .hasMessage("duration: PT0S (expected: > 0)");
        assertThatThrownBy(() -> LoadSpec.get(TARGET, 1, 1, SECOND).withWarmup(Duration.ofSeconds(-1)))
                .hasMessage("warmup: PT-1S (expected: >= 0)");
        assertThatThrownBy(() -> LoadSpec.get(TARGET, 1, 1e9, Duration.ofHours(1)))
                .hasMessageStartingWith("ratePerSecond x (warmup + duration)");
        assertThatThrownBy(() -> LoadSpec.get(TARGET, 1, 1, SECOND).withHeader("bad name", "v"))
                .hasMessageContaining("headers: name 'bad name'");
        assertThatThrownBy(() -> LoadSpec.get(TARGET, 1, 1, SECOND).withHeader("x", "a\r\nb: c"))
                .hasMessageContaining("headers.x");
        assertThatThrownBy(() -> LoadSpec.get(TARGET, 1, 1, SECOND).withBody("PO ST", new byte[0], null))
                .hasMessageContaining("method: 'PO ST'");
    }

    @Test
    void theBodyIsCopiedInAndOut() {
        byte[] body = "abc".getBytes(StandardCharsets.UTF_8);
        LoadSpec spec = LoadSpec.get(TARGET, 1, 1, SECOND).withBody("POST", body, "text/plain");

        body[0] = 'x';
        spec.body()[1] = 'y';

        assertThat(spec.body()).asString(StandardCharsets.UTF_8).isEqualTo("abc");
        assertThat(spec).isEqualTo(LoadSpec.get(TARGET, 1, 1, SECOND)
                .withBody("POST", "abc".getBytes(StandardCharsets.UTF_8), "text/plain"));
    }

    @Test
    void withHeaderReplacesAHeaderOfTheSameNameInAnyCase() {
        LoadSpec spec = LoadSpec.get(TARGET, 1, 1, SECOND).withHeader("X-A", "1").withHeader("x-a", "2");

        assertThat(spec.headers()).containsExactly(Map.entry("x-a", "2"));
    }

    @Test
    void encodesTheRequestOnceWithHostAndContentLength() {
        LoadSpec spec = LoadSpec.get(TARGET, 1, 1, SECOND)
                .withBody("POST", "{}".getBytes(StandardCharsets.UTF_8), "application/json")
                .withHeader("x-b", "2");

        assertThat(wire(spec)).isEqualTo("POST /v1/models?x=1 HTTP/1.1\r\n"
                + "host: 127.0.0.1:8080\r\n"
                + "content-type: application/json\r\n"
                + "x-b: 2\r\n"
                + "content-length: 2\r\n"
                + "\r\n"
                + "{}");
    }

    @Test
    void aGivenHostReplacesTheTargetsAndAnEmptyPathIsTheRoot() {
        LoadSpec spec = LoadSpec.get(URI.create("http://127.0.0.1:9"), 1, 1, SECOND).withHeader("Host", "api");

        assertThat(wire(spec)).isEqualTo("GET / HTTP/1.1\r\nHost: api\r\n\r\n");
    }

    private static String wire(LoadSpec spec) {
        ByteBuf buf = OpenLoopLoadGenerator.encode(spec);
        try {
            return buf.toString(StandardCharsets.ISO_8859_1);
        } finally {
            buf.release();
        }
    }
}
