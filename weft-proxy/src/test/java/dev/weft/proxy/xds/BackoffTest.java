package dev.weft.proxy.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The reconnect back-off: doubling ceilings, jitter within the upper half, capped. */
class BackoffTest {
    private final Backoff backoff = new Backoff(100, 10_000);

    @Test
    void eachAttemptWaitsBetweenHalfAndAllOfItsCeiling() {
        for (int i = 0; i < 200; i++) {
            assertThat(backoff.delayMillis(0)).isBetween(50L, 100L);
            assertThat(backoff.delayMillis(3)).isBetween(400L, 800L);
            assertThat(backoff.delayMillis(7)).isBetween(5_000L, 10_000L);
            assertThat(backoff.delayMillis(1_000)).isBetween(5_000L, 10_000L);
        }
    }

    @Test
    void boundsAreChecked() {
        assertThatThrownBy(() -> new Backoff(0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(100, 10)).isInstanceOf(IllegalArgumentException.class);
    }
}
