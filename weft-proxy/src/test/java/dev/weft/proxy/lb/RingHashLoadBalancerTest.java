package dev.weft.proxy.lb;

import static dev.weft.proxy.lb.Fixtures.endpoint;
import static dev.weft.proxy.lb.Fixtures.share;
import static dev.weft.proxy.lb.Fixtures.tally;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import com.google.protobuf.UInt64Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RingHashLoadBalancerTest {
    private static final int KEYS = 20_000;

    @Test
    void theSameHashAlwaysGetsTheSameHost() {
        List<Endpoint> endpoints = endpoints(5);
        LoadBalancer lb = ringHash(endpoints);
        LoadBalancer rebuilt = ringHash(endpoints);

        for (long key : keys(1_000)) {
            Endpoint first = lb.choose(OptionalLong.of(key));
            assertThat(lb.choose(OptionalLong.of(key))).isSameAs(first);
            assertThat(rebuilt.choose(OptionalLong.of(key))).isSameAs(first);
        }
    }

    @Test
    void removingAHostRemapsRoughlyItsShareOfKeys() {
        List<Endpoint> endpoints = endpoints(10);
        Endpoint removed = endpoints.get(3);
        List<Endpoint> remaining = new ArrayList<>(endpoints);
        remaining.remove(removed);
        LoadBalancer before = ringHash(endpoints);
        LoadBalancer after = ringHash(remaining);
        int onRemoved = 0;
        int movedElsewhere = 0;

        for (long key : keys(KEYS)) {
            Endpoint was = before.choose(OptionalLong.of(key));
            Endpoint is = after.choose(OptionalLong.of(key));
            if (was == removed) {
                onRemoved++;
            } else if (is != was) {
                movedElsewhere++;
            }
        }

        // The removed host held about 1/10 of the keys. As in Envoy the ring keeps about
        // minimum_ring_size points, so each of the 9 remaining hosts goes from 103 to 114 points;
        // the new points take over a further share of the keys, and nothing else moves.
        assertThat(onRemoved / (double) KEYS).isCloseTo(0.1, offset(0.03));
        assertThat(movedElsewhere / (double) KEYS).isLessThan(0.1);
    }

    @Test
    void anUnhealthyHostLosesOnlyItsOwnKeysAndGetsThemBack() {
        List<Endpoint> endpoints = endpoints(10);
        Endpoint sick = endpoints.get(7);
        LoadBalancer lb = ringHash(endpoints);
        long[] keys = keys(KEYS);
        Endpoint[] healthyMapping = choose(lb, keys);

        sick.setHealthy(false);
        Endpoint[] sickMapping = choose(lb, keys);
        sick.setHealthy(true);
        Endpoint[] recoveredMapping = choose(lb, keys);

        for (int i = 0; i < keys.length; i++) {
            if (healthyMapping[i] == sick) {
                assertThat(sickMapping[i]).isNotSameAs(sick);
            } else {
                assertThat(sickMapping[i]).isSameAs(healthyMapping[i]);
            }
        }
        assertThat(recoveredMapping).containsExactly(healthyMapping);
    }

    @Test
    void weightsSetTheShareOfTheRing() {
        Endpoint light = endpoint(1, 1, 0);
        Endpoint heavy = endpoint(2, 3, 0);
        RingHashLoadBalancer lb = new RingHashLoadBalancer(List.of(light, heavy), 1024, 8 * 1024 * 1024);

        Map<Endpoint, Integer> counts = tally(lb, 100_000);

        assertThat(lb.ringSizes()).containsExactly(1024);
        assertThat(share(counts, light, 100_000)).isCloseTo(0.25, offset(0.05));
    }

    @Test
    void withoutAHashRequestsSpreadOverTheHosts() {
        List<Endpoint> endpoints = endpoints(4);
        LoadBalancer lb = ringHash(endpoints);

        Map<Endpoint, Integer> counts = tally(lb, 100_000);

        for (Endpoint e : endpoints) {
            assertThat(share(counts, e, 100_000)).isCloseTo(0.25, offset(0.06));
        }
    }

    @Test
    void ringSizeFollowsTheMinimumAndStopsAtTheMaximum() {
        List<Endpoint> ten = endpoints(10);

        // Each host gets ceil(1024 / 10) points.
        assertThat(new RingHashLoadBalancer(ten, 1024, 8 * 1024 * 1024).ringSizes()).containsExactly(1030);
        assertThat(new RingHashLoadBalancer(ten, 4096, 8 * 1024 * 1024).ringSizes()).containsExactly(4100);
        assertThat(new RingHashLoadBalancer(ten, 50, 8 * 1024 * 1024).ringSizes()).containsExactly(50);
        // The weight-1 host needs 2 points, so the weight-1000 one would need 2000: capped.
        List<Endpoint> skewed = List.of(endpoint(1, 1, 0), endpoint(2, 1000, 0));
        assertThat(new RingHashLoadBalancer(skewed, 1024, 8 * 1024 * 1024).ringSizes()).containsExactly(2002);
        // Running sums in floating point, as in Envoy, may round one point past the cap.
        assertThat(new RingHashLoadBalancer(skewed, 1024, 1500).ringSizes()[0]).isBetween(1500, 1501);
        assertThat(new RingHashLoadBalancer(List.of(), 1024, 2048).ringSizes()).isEmpty();
    }

    @Test
    void eachPriorityLevelHasItsOwnRing() {
        List<Endpoint> endpoints = new ArrayList<>(endpoints(3));
        endpoints.add(endpoint(11, 1, 1));
        endpoints.add(endpoint(12, 1, 1));

        RingHashLoadBalancer lb = new RingHashLoadBalancer(endpoints, 1024, 8 * 1024 * 1024);

        assertThat(lb.ringSizes()).containsExactly(1026, 1024);
    }

    @Test
    void hashKeysArePrintedAsEnvoyPrintsAddresses() throws Exception {
        assertThat(RingHashLoadBalancer.hashKey(new InetSocketAddress("10.0.0.1", 8080))).isEqualTo("10.0.0.1:8080");
        assertThat(RingHashLoadBalancer.hashKey(new InetSocketAddress(InetAddress.getByName("2001:db8:0:0:0:0:0:1"), 80)))
                .isEqualTo("[2001:db8::1]:80");
        assertThat(RingHashLoadBalancer.hashKey(new InetSocketAddress(InetAddress.getByName("::1"), 80)))
                .isEqualTo("[::1]:80");
        assertThat(RingHashLoadBalancer.hashKey(InetSocketAddress.createUnresolved("model.svc", 443)))
                .isEqualTo("model.svc:443");
    }

    @Test
    void ipv6TextUsesTheLongestZeroRunAndLeavesSingleZerosAlone() throws Exception {
        assertThat(RingHashLoadBalancer.compressIpv6(InetAddress.getByName("1:0:0:2:0:0:0:3").getAddress()))
                .isEqualTo("1:0:0:2::3");
        assertThat(RingHashLoadBalancer.compressIpv6(InetAddress.getByName("1:0:2:3:4:5:6:7").getAddress()))
                .isEqualTo("1:0:2:3:4:5:6:7");
        assertThat(RingHashLoadBalancer.compressIpv6(InetAddress.getByName("fe80:0:0:0:0:0:0:0").getAddress()))
                .isEqualTo("fe80::");
    }

    private static LoadBalancer ringHash(List<Endpoint> endpoints) {
        Cluster cluster = Fixtures.cluster(Cluster.LbPolicy.RING_HASH).toBuilder()
                .setRingHashLbConfig(Cluster.RingHashLbConfig.newBuilder().setMinimumRingSize(UInt64Value.of(1024)))
                .build();
        return LoadBalancers.create(cluster, endpoints);
    }

    private static List<Endpoint> endpoints(int n) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            endpoints.add(endpoint(i));
        }
        return endpoints;
    }

    private static long[] keys(int n) {
        return new SplittableRandom(42).longs(n).toArray();
    }

    private static Endpoint[] choose(LoadBalancer lb, long[] keys) {
        Endpoint[] chosen = new Endpoint[keys.length];
        for (int i = 0; i < keys.length; i++) {
            chosen[i] = lb.choose(OptionalLong.of(keys[i]));
        }
        return chosen;
    }
}
