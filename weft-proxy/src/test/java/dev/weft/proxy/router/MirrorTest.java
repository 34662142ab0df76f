package dev.weft.proxy.router;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Host a mirrored request carries: Envoy's "-shadow" suffix goes on the host name, before any port. */
class MirrorTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "reviews, reviews-shadow",
            "reviews.default:8080, reviews.default-shadow:8080",
            "127.0.0.1:9000, 127.0.0.1-shadow:9000",
            "[::1]:9000, [::1]-shadow:9000",
            "[::1], [::1]-shadow",
    })
    void shadowHostKeepsThePort(String host, String expected) {
        assertThat(Mirror.shadowHost(host)).isEqualTo(expected);
    }
}
