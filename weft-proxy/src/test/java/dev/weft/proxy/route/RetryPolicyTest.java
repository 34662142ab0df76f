package dev.weft.proxy.route;

import static dev.weft.proxy.route.RouteFixtures.get;
import static dev.weft.proxy.route.RouteFixtures.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.proxy.config.ConfigException;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private static RetryPolicy policy(String json) throws ConfigException {
        return routes("[{\"match\": {\"prefix\": \"/\"}, \"route\": {\"cluster\": \"c\", \"retry_policy\": " + json + "}}]")
                .match(get("/")).retryPolicy();
    }

    @Test
    void defaults() throws Exception {
        // when
        RetryPolicy p = policy("{\"retry_on\": \"connect-failure\"}");

        // then
        assertThat(p.numRetries()).isEqualTo(1);
        assertThat(p.perTryTimeoutMillis()).isZero();
        assertThat(p.baseIntervalMillis()).isEqualTo(25);
        assertThat(p.maxIntervalMillis()).isEqualTo(250);
        assertThat(p.retryOnConnectFailure()).isTrue();
        assertThat(p.retryOnReset()).isFalse();
        assertThat(p.retryOnRefusedStream()).isFalse();
        assertThat(p.retriableStatus(503)).isFalse();
    }

    @Test
    void fiveHundredsRetryEveryServerErrorAndEveryReset() throws Exception {
        // when
        RetryPolicy p = policy("{\"retry_on\": \"5xx\", \"num_retries\": 4, \"per_try_timeout\": \"0.250s\"}");

        // then
        assertThat(p.numRetries()).isEqualTo(4);
        assertThat(p.perTryTimeoutMillis()).isEqualTo(250);
        assertThat(p.retriableStatus(500)).isTrue();
        assertThat(p.retriableStatus(599)).isTrue();
        assertThat(p.retriableStatus(404)).isFalse();
        assertThat(p.retryOnReset()).isTrue();
        assertThat(p.retryOnConnectFailure()).isTrue();
        assertThat(p.retryOnRefusedStream()).isTrue();
    }

    @Test
    void gatewayErrorRetriesOnly502To504() throws Exception {
        // when
        RetryPolicy p = policy("{\"retry_on\": \"gateway-error\"}");

        // then
        assertThat(p.retriableStatus(502)).isTrue();
        assertThat(p.retriableStatus(503)).isTrue();
        assertThat(p.retriableStatus(504)).isTrue();
        assertThat(p.retriableStatus(500)).isFalse();
    }

    @Test
    void retriableStatusCodesNeedTheirRetryOnToken() throws Exception {
        // when
        RetryPolicy with = policy("{\"retry_on\": \"refused-stream, retriable-status-codes\", \"retriable_status_codes\": [429, 409]}");
        RetryPolicy without = policy("{\"retry_on\": \"reset\", \"retriable_status_codes\": [429]}");

        // then
        assertThat(with.retriableStatus(429)).isTrue();
        assertThat(with.retriableStatus(409)).isTrue();
        assertThat(with.retriableStatus(503)).isFalse();
        assertThat(with.retryOnRefusedStream()).isTrue();
        assertThat(with.retryOnReset()).isFalse();
        assertThat(without.retriableStatus(429)).isFalse();
    }

    @Test
    void grpcStatuses() throws Exception {
        // when
        RetryPolicy p = policy("{\"retry_on\": \"cancelled,deadline-exceeded,resource-exhausted,unavailable,internal\"}");
        RetryPolicy some = policy("{\"retry_on\": \"unavailable\"}");

        // then
        assertThat(p.retriableGrpcStatus(1)).isTrue();
        assertThat(p.retriableGrpcStatus(4)).isTrue();
        assertThat(p.retriableGrpcStatus(8)).isTrue();
        assertThat(p.retriableGrpcStatus(13)).isTrue();
        assertThat(p.retriableGrpcStatus(14)).isTrue();
        assertThat(p.retriableGrpcStatus(0)).isFalse();
        assertThat(p.retriableGrpcStatus(2)).isFalse();
        assertThat(some.retriableGrpcStatus(14)).isTrue();
        assertThat(some.retriableGrpcStatus(4)).isFalse();
    }

    @Test
    void unknownRetryOnTokenIsAConfigError() {
        assertThatThrownBy(() -> policy("{\"retry_on\": \"5xx,sometimes\"}"))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).path()).isEqualTo("virtual_hosts[0].routes[0].route.retry_policy.retry_on"))
                .hasMessageContaining("'sometimes'");
    }

    @Test
    void backoffIsFullyJitteredExponentialAndCapped() throws Exception {
        // given
        RetryPolicy p = policy("{\"retry_on\": \"5xx\", \"retry_back_off\": {\"base_interval\": \"0.010s\", \"max_interval\": \"0.050s\"}}");

        // when
        long max1 = 0;
        long max2 = 0;
        long max9 = 0;
        long min9 = Long.MAX_VALUE;
        for (int i = 0; i < 20_000; i++) {
            max1 = Math.max(max1, p.backoffMillis(1));
            max2 = Math.max(max2, p.backoffMillis(2));
            long b9 = p.backoffMillis(9);
            max9 = Math.max(max9, b9);
            min9 = Math.min(min9, b9);
        }

        // then: retry 1 below 1 x base, retry 2 below 3 x base, later ones capped at max_interval
        assertThat(max1).isBetween(8L, 9L);
        assertThat(max2).isBetween(27L, 29L);
        assertThat(max9).isEqualTo(50);
        assertThat(min9).isLessThan(5);
        assertThat(p.backoffMillis(1000)).isBetween(0L, 50L);
    }

    @Test
    void maxIntervalBelowBaseIsRejected() {
        assertThatThrownBy(() -> policy("{\"retry_on\": \"5xx\", \"retry_back_off\": {\"base_interval\": \"1s\", \"max_interval\": \"0.5s\"}}"))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).path())
                        .isEqualTo("virtual_hosts[0].routes[0].route.retry_policy.retry_back_off.max_interval"));
    }

    @Test
    void backOffWithoutBaseIntervalIsRejected() {
        assertThatThrownBy(() -> policy("{\"retry_on\": \"5xx\", \"retry_back_off\": {\"max_interval\": \"0.5s\"}}"))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).path())
                        .isEqualTo("virtual_hosts[0].routes[0].route.retry_policy.retry_back_off.base_interval"));
    }
}
