package dev.weft.proxy.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EndpointTest {

    @Test
    void keepsWhatItWasBuiltWith() {
        InetSocketAddress address = new InetSocketAddress("10.1.2.3", 9000);

        Endpoint e = new Endpoint(address, 5, 2, false);

        assertThat(e.address()).isEqualTo(address);
        assertThat(e.weight()).isEqualTo(5);
        assertThat(e.priority()).isEqualTo(2);
        assertThat(e.healthy()).isFalse();
        assertThat(e.activeRequests()).isZero();
    }

    @Test
    void rejectsAZeroWeightAndANegativePriority() {
        InetSocketAddress address = new InetSocketAddress("10.1.2.3", 9000);

        assertThatThrownBy(() -> new Endpoint(address, 0, 0, true)).hasMessageContaining("weight: 0");
        assertThatThrownBy(() -> new Endpoint(address, 1, -1, true)).hasMessageContaining("priority: -1");
    }

    @Test
    void aHealthChangeMovesTheHealthEpoch() {
        Endpoint e = Fixtures.endpoint(1);
        long before = Endpoint.healthEpoch();

        e.setHealthy(false);

        assertThat(e.healthy()).isFalse();
        assertThat(Endpoint.healthEpoch()).isGreaterThan(before);
    }

    @Test
    void activeRequestsNeverGoBelowZero() {
        Endpoint e = Fixtures.endpoint(1);
        e.requestStarted();

        e.requestFinished();
        e.requestFinished();

        assertThat(e.activeRequests()).isZero();
        e.requestStarted();
        assertThat(e.activeRequests()).isEqualTo(1);
    }

    @Test
    void countsRequestsFromManyThreads() throws Exception {
        Endpoint e = Fixtures.endpoint(1);
        int threads = 4;
        int perThread = 20_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        e.requestStarted();
                        e.requestStarted();
                        e.requestFinished();
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(e.activeRequests()).isEqualTo(threads * perThread);
    }
}
