package dev.weft.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link Durations} reads the duration forms the CLI and configs accept. */
class DurationsTest {

    @ParameterizedTest
    @CsvSource({
        "200ms, PT0.2S",
        "1.5s, PT1.5S",
        "2m, PT2M",
        "1h, PT1H",
        "250us, PT0.00025S",
        "7ns, PT0.000000007S",
        "0, PT0S",
        "' 3s ', PT3S"
    })
    void parsesNumberAndUnit(String text, String expected) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.parse(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ms", "-1s", "1.5", "10 sec", "1.2.3s", ".5s", "5.s", "1d"})
    void rejectsOtherFormsNamingTheText(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'")
                .hasMessageContaining("e.g. 200ms");
    }

    @Test
    void formatsInTheLargestExactUnitAndParsesBack() {
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Durations.format(Duration.ofMinutes(2))).isEqualTo("2m");
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
        assertThat(Durations.parse(Durations.format(Duration.ofNanos(123_456)))).isEqualTo(Duration.ofNanos(123_456));
    }
}
