package dev.weft.proxy.lb;

import static dev.weft.proxy.lb.Fixtures.balancer;
import static dev.weft.proxy.lb.Fixtures.endpoint;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ConcurrentChooseTest {
    private static final int THREADS = 4;
    private static final int PICKS_PER_THREAD = 30_000;

    @Test
    void roundRobinHandsOutExactSharesAcrossThreads() throws Exception {
        List<Endpoint> endpoints = List.of(endpoint(1), endpoint(2), endpoint(3));
        LoadBalancer lb = balancer(LbPolicy.ROUND_ROBIN, endpoints);
        Map<Endpoint, AtomicInteger> counts = new ConcurrentHashMap<>();

        runConcurrently(() -> {
            for (int i = 0; i < PICKS_PER_THREAD; i++) {
                counts.computeIfAbsent(lb.choose(OptionalLong.empty()), e -> new AtomicInteger()).incrementAndGet();
            }
        });

        // Every position of the shared counter is used once: 120,000 picks over 3 hosts.
        for (Endpoint e : endpoints) {
            assertThat(counts.get(e)).hasValue(THREADS * PICKS_PER_THREAD / endpoints.size());
        }
    }

    @ParameterizedTest
    @EnumSource(value = LbPolicy.class, names = {"ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "RING_HASH"})
    void picksStayValidWhileHealthFlapsUnderConcurrentLoad(LbPolicy policy) throws Exception {
        Endpoint steady = endpoint(1, 2, 0);
        Endpoint flapping = endpoint(2, 1, 0);
        Endpoint down = endpoint(3, 3, 0);
        Endpoint backup = endpoint(4, 1, 1);
        down.setHealthy(false);
        LoadBalancer lb = balancer(policy, List.of(steady, flapping, down, backup));
        AtomicBoolean stop = new AtomicBoolean();
        List<Endpoint> wrong = java.util.Collections.synchronizedList(new ArrayList<>());

        ExecutorService flapper = Executors.newSingleThreadExecutor();
        try {
            Future<?> flaps = flapper.submit(() -> {
                boolean healthy = true;
                while (!stop.get()) {
                    healthy = !healthy;
                    flapping.setHealthy(healthy);
                }
            });
            runConcurrently(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < PICKS_PER_THREAD; i++) {
                    Endpoint e = lb.choose(OptionalLong.of(random.nextLong()));
                    if (e == null || e == down || e == backup) {
                        wrong.add(e);
                        continue;
                    }
                    e.requestStarted();
                    e.requestFinished();
                }
            });
            stop.set(true);
            flaps.get(10, TimeUnit.SECONDS);
        } finally {
            stop.set(true);
            flapper.shutdownNow();
        }

        // The steady primary is healthy throughout, so the backup and the down host are never due.
        assertThat(wrong).isEmpty();
        assertThat(steady.activeRequests()).isZero();
        assertThat(flapping.activeRequests()).isZero();
    }

    private static void runConcurrently(Runnable body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    body.run();
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
