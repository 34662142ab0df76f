package dev.weft.bench.jmh;

import dev.weft.proxy.lb.Endpoint;
import dev.weft.proxy.lb.LoadBalancer;
import dev.weft.proxy.lb.LoadBalancers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * LoadBalancer.choose for each lb_policy over 10 and 100 healthy endpoints of equal weight (and,
 * with {@code weighted}, weights 1 to 5). RING_HASH gets a different request hash on every pick
 * (from a precomputed table, so the benchmark allocates nothing of its own); the others get none.
 * {@code chooseAndTrack} adds the router's in-flight bookkeeping around the pick.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LoadBalancerBenchmark {
    @Param({"ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "RING_HASH"})
    public Cluster.LbPolicy policy;

    @Param({"10", "100"})
    public int endpoints;

    @Param({"false", "true"})
    public boolean weighted;

    private LoadBalancer balancer;
    private final OptionalLong[] hashes = new OptionalLong[1024];
    private int next;

    @Setup
    public void setUp() {
        List<Endpoint> list = new ArrayList<>(endpoints);
        for (int i = 0; i < endpoints; i++) {
            InetSocketAddress address = new InetSocketAddress("10.0." + (i / 250) + "." + (i % 250 + 1), 8080);
            list.add(new Endpoint(address, weighted ? 1 + i % 5 : 1, 0, true));
        }
        balancer = LoadBalancers.create(Cluster.newBuilder().setName("bench").setLbPolicy(policy).build(), list);
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < hashes.length; i++) {
            hashes[i] = policy == Cluster.LbPolicy.RING_HASH ? OptionalLong.of(random.nextLong()) : OptionalLong.empty();
        }
    }

    @Benchmark
    public Endpoint choose() {
        return balancer.choose(hashes[next++ & (hashes.length - 1)]);
    }

    @Benchmark
    public Endpoint chooseAndTrack() {
        Endpoint e = balancer.choose(hashes[next++ & (hashes.length - 1)]);
        e.requestStarted();
        e.requestFinished();
        return e;
    }
}
