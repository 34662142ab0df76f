package dev.weft.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.weft.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Thresholds read from a cluster's circuit_breakers, and slots that never exceed them. */
class CircuitBreakersTest {
    private static Cluster cluster(String json) {
        Cluster.Builder b = Cluster.newBuilder();
        try {
            JsonFormat.parser().merge(json, b);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(e);
        }
        return b.build();
    }

    @Test
    void unsetThresholdsAreEnvoysDefaults() {
        CircuitBreakers none = CircuitBreakers.of(cluster("{\"name\": \"c\"}"));
        CircuitBreakers some = CircuitBreakers.of(cluster(
                "{\"name\": \"c\", \"circuit_breakers\": {\"thresholds\": [{\"max_requests\": 7, \"max_retries\": 0}]}}"));

        assertThat(List.of(none.maxConnections(), none.maxPendingRequests(), none.maxRequests(), none.maxRetries()))
                .containsOnly(1024);
        assertThat(List.of(some.maxConnections(), some.maxPendingRequests(), some.maxRequests(), some.maxRetries()))
                .containsExactly(1024, 1024, 7, 0);
    }

    @Test
    void slotsStopAtTheLimitAndComeBackWhenGivenBack() {
        // given
        CircuitBreakers b = new CircuitBreakers(1, 1, 2, 1);

        // when / then
        assertThat(b.tryRequest()).isTrue();
        assertThat(b.tryRequest()).isTrue();
        assertThat(b.tryRequest()).isFalse();
        assertThat(b.remainingRequests()).isZero();
        b.requestFinished();
        assertThat(b.remainingRequests()).isEqualTo(1);
        assertThat(b.tryRequest()).isTrue();

        assertThat(b.tryRetry()).isTrue();
        assertThat(b.tryRetry()).isFalse();
        b.retryFinished();
        assertThat(b.tryRetry()).isTrue();

        assertThat(b.tryPending()).isTrue();
        assertThat(b.tryPending()).isFalse();
        assertThat(b.pendingRequests()).isEqualTo(1);
        assertThat(b.tryConnection()).isTrue();
        assertThat(b.tryConnection()).isFalse();
        assertThat(b.remainingConnections()).isZero();
    }

    @Test
    void concurrentTakersNeverExceedTheLimit() throws Exception {
        // given
        CircuitBreakers b = new CircuitBreakers(1024, 1024, 50, 1024);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<Integer>> takers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                takers.add(() -> {
                    int taken = 0;
                    for (int i = 0; i < 10_000; i++) {
                        if (b.tryRequest()) {
                            taken++;
                        }
                    }
                    return taken;
                });
            }

            // when
            int total = 0;
            for (Future<Integer> f : pool.invokeAll(takers, 30, TimeUnit.SECONDS)) {
                total += f.get();
            }

            // then
            assertThat(total).isEqualTo(50);
            assertThat(b.remainingRequests()).isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void onlyOneDefaultPriorityIsAccepted() {
        ConfigException high = catchThrowableOfType(ConfigException.class, () -> CircuitBreakers.validate(cluster(
                "{\"name\": \"c\", \"circuit_breakers\": {\"thresholds\": [{\"max_requests\": 1}, {\"priority\": \"HIGH\"}]}}")));
        ConfigException twice = catchThrowableOfType(ConfigException.class, () -> CircuitBreakers.validate(cluster(
                "{\"name\": \"c\", \"circuit_breakers\": {\"thresholds\": [{\"max_requests\": 1}, {\"max_retries\": 2}]}}")));

        assertThat(high.path()).isEqualTo("circuit_breakers.thresholds[1].priority");
        assertThat(high.reason()).contains("HIGH is not supported");
        assertThat(twice.path()).isEqualTo("circuit_breakers.thresholds[1]");
    }
}
