package dev.weft.api.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Gateway API (GEP-2257) durations: what parses, to what, and the canonical spelling written back. */
class DurationsTest {

    @ParameterizedTest(name = "{0} = {1} ms, written {2}")
    @CsvSource({
            "10s, 10000, 10s",
            "500ms, 500, 500ms",
            "1h, 3600000, 1h",
            "90m, 5400000, 1h30m",
            "1h30m15s250ms, 5415250, 1h30m15s250ms",
            "0s, 0, 0s",
            "0ms, 0, 0s",
            "1s1s, 2000, 2s",
            "99999h, 359996400000, 99999h"})
    void parsesAndWritesCanonically(String text, long millis, String canonical) {
        Duration duration = Durations.parse(text);

        assertThat(duration).isEqualTo(Duration.ofMillis(millis));
        assertThat(Durations.format(duration)).isEqualTo(canonical);
        assertThat(Durations.parse(canonical)).isEqualTo(duration);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10", "1.5s", "-1s", "1d", "1 s", "100000s", "1h1m1s1ms1h", "s", "10S",
            "99999h99999m"})
    void rejectsWhatIsNotAGatewayApiDuration(String text) {
        assertThat(Durations.parse(text)).isNull();
    }
}
