package dev.weft.proxy.lb;

import static dev.weft.proxy.lb.Fixtures.balancer;
import static dev.weft.proxy.lb.Fixtures.endpoint;
import static dev.weft.proxy.lb.Fixtures.share;
import static dev.weft.proxy.lb.Fixtures.tally;
import static io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy.RANDOM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RandomLoadBalancerTest {
    private static final int PICKS = 100_000;

    @Test
    void equalWeightsShareEvenly() {
        List<Endpoint> endpoints = List.of(endpoint(1), endpoint(2), endpoint(3), endpoint(4));
        LoadBalancer lb = balancer(RANDOM, endpoints);

        Map<Endpoint, Integer> counts = tally(lb, PICKS);

        for (Endpoint e : endpoints) {
            assertThat(share(counts, e, PICKS)).isCloseTo(0.25, offset(0.01));
        }
    }

    @Test
    void weightsSetTheShares() {
        Endpoint a = endpoint(1, 1, 0);
        Endpoint b = endpoint(2, 3, 0);
        Endpoint c = endpoint(3, 6, 0);
        LoadBalancer lb = balancer(RANDOM, List.of(a, b, c));

        Map<Endpoint, Integer> counts = tally(lb, PICKS);

        assertThat(share(counts, a, PICKS)).isCloseTo(0.1, offset(0.01));
        assertThat(share(counts, b, PICKS)).isCloseTo(0.3, offset(0.01));
        assertThat(share(counts, c, PICKS)).isCloseTo(0.6, offset(0.01));
    }

    @Test
    void neverPicksAnUnhealthyHost() {
        Endpoint a = endpoint(1, 1, 0);
        Endpoint b = endpoint(2, 5, 0);
        Endpoint c = endpoint(3, 3, 0);
        LoadBalancer lb = balancer(RANDOM, List.of(a, b, c));

        b.setHealthy(false);
        Map<Endpoint, Integer> counts = tally(lb, PICKS);

        assertThat(counts).containsOnlyKeys(a, c);
        assertThat(share(counts, a, PICKS)).isCloseTo(0.25, offset(0.01));
    }
}
