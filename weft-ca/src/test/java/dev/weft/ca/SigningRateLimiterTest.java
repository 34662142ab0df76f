package dev.weft.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SigningRateLimiterTest {

    private final TestClock clock = new TestClock();

    @Test
    void allowsTheBurstThenRefusesWithTheTimeToTheNextPermit() throws Exception {
        SigningRateLimiter limiter = new SigningRateLimiter(2, 3, clock);

        for (int i = 0; i < 3; i++) {
            limiter.acquire();
        }
        RateLimitedException refused = catchThrowableOfType(RateLimitedException.class, limiter::acquire);

        assertThat(refused).isNotNull();
        assertThat(refused.retryAfter()).isEqualTo(Duration.ofMillis(500));
        assertThat(refused).hasMessageContaining("retry after 500 ms");
    }

    @Test
    void refillsAtTheRateUpToTheBurst() throws Exception {
        SigningRateLimiter limiter = new SigningRateLimiter(2, 3, clock);
        for (int i = 0; i < 3; i++) {
            limiter.acquire();
        }

        clock.advance(Duration.ofMillis(500));
        limiter.acquire();
        assertThatThrownBy(limiter::acquire).isInstanceOf(RateLimitedException.class);

        clock.advance(Duration.ofHours(1));
        for (int i = 0; i < 3; i++) {
            limiter.acquire();
        }
        assertThatThrownBy(limiter::acquire).isInstanceOf(RateLimitedException.class);
    }

    @Test
    void aClockSteppedBackRefillsNothing() throws Exception {
        SigningRateLimiter limiter = new SigningRateLimiter(1, 1, clock);
        limiter.acquire();

        clock.advance(Duration.ofSeconds(-30));

        assertThatThrownBy(limiter::acquire).isInstanceOf(RateLimitedException.class);
    }

    @Test
    void refusesSettingsThatCannotWork() {
        assertThatThrownBy(() -> new SigningRateLimiter(0, 1, clock)).hasMessageContaining("ratePerSecond: 0.0");
        assertThatThrownBy(() -> new SigningRateLimiter(1, 0, clock)).hasMessageContaining("burst: 0");
    }
}
