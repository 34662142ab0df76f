package dev.weft.proxy.lb;

import static dev.weft.proxy.lb.Fixtures.balancer;
import static dev.weft.proxy.lb.Fixtures.endpoint;
import static dev.weft.proxy.lb.Fixtures.share;
import static dev.weft.proxy.lb.Fixtures.tally;
import static io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy.LEAST_REQUEST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class LeastRequestLoadBalancerTest {
    private static final int PICKS = 100_000;

    @Test
    void idleEqualHostsShareEvenly() {
        List<Endpoint> endpoints = List.of(endpoint(1), endpoint(2), endpoint(3), endpoint(4));
        LoadBalancer lb = balancer(LEAST_REQUEST, endpoints);

        Map<Endpoint, Integer> counts = tally(lb, PICKS);

        for (Endpoint e : endpoints) {
            assertThat(share(counts, e, PICKS)).isCloseTo(0.25, offset(0.01));
        }
    }

    @Test
    void aBusyHostIsRarelyChosen() {
        Endpoint busy = endpoint(1);
        List<Endpoint> endpoints = List.of(busy, endpoint(2), endpoint(3), endpoint(4));
        for (int i = 0; i < 50; i++) {
            busy.requestStarted();
        }
        LoadBalancer lb = balancer(LEAST_REQUEST, endpoints);

        Map<Endpoint, Integer> counts = tally(lb, PICKS);

        // Chosen only when both samples land on it: (1/4)^2.
        assertThat(share(counts, busy, PICKS)).isCloseTo(1 / 16.0, offset(0.01));
    }

    @Test
    void moreChoicesAvoidTheBusyHostMore() {
        Endpoint busy = endpoint(1);
        List<Endpoint> endpoints = List.of(busy, endpoint(2), endpoint(3), endpoint(4));
        busy.requestStarted();
        Cluster cluster = Fixtures.cluster(LEAST_REQUEST).toBuilder()
                .setLeastRequestLbConfig(Cluster.LeastRequestLbConfig.newBuilder().setChoiceCount(UInt32Value.of(5)))
                .build();
        LoadBalancer lb = LoadBalancers.create(cluster, endpoints);

        Map<Endpoint, Integer> counts = tally(lb, PICKS);

        // (1/4)^5 is about 0.1%.
        assertThat(share(counts, busy, PICKS)).isLessThan(0.005);
    }

    @Test
    void followsRequestsAsTheyStartAndFinish() {
        Endpoint a = endpoint(1);
        Endpoint b = endpoint(2);
        LoadBalancer lb = new LeastRequestLoadBalancer(List.of(a, b), 2);

        // Every pick stays in flight, so the two hosts stay within a few requests of each other.
        for (int i = 0; i < 1_000; i++) {
            lb.choose(OptionalLong.empty()).requestStarted();
            assertThat(Math.abs(a.activeRequests() - b.activeRequests())).isLessThanOrEqualTo(10);
        }
        while (b.activeRequests() > 0) {
            b.requestFinished();
        }
        Map<Endpoint, Integer> counts = tally(lb, PICKS);

        // Now b is idle and a is not: a wins only when both samples are a.
        assertThat(share(counts, b, PICKS)).isCloseTo(0.75, offset(0.01));
    }

    @Test
    void idleWeightedHostsShareInProportionToWeight() {
        Endpoint light = endpoint(1, 1, 0);
        Endpoint heavy = endpoint(2, 3, 0);
        LoadBalancer lb = balancer(LEAST_REQUEST, List.of(light, heavy));

        Map<Endpoint, Integer> counts = tally(lb, PICKS);

        assertThat(share(counts, light, PICKS)).isCloseTo(0.25, offset(0.01));
    }

    @Test
    void weightedHostsAreComparedByRequestsPerUnitOfWeight() {
        // The heavy host has more requests in flight but fewer per unit of weight (3/3 < 2/1).
        Endpoint light = endpoint(1, 1, 0);
        Endpoint heavy = endpoint(2, 3, 0);
        light.requestStarted();
        light.requestStarted();
        for (int i = 0; i < 3; i++) {
            heavy.requestStarted();
        }
        LoadBalancer lb = balancer(LEAST_REQUEST, List.of(light, heavy));

        Map<Endpoint, Integer> counts = tally(lb, PICKS);

        // The light host wins only when both weighted samples are the light host: (1/4)^2.
        assertThat(share(counts, light, PICKS)).isCloseTo(1 / 16.0, offset(0.01));
    }

    @Test
    void aSingleHealthyHostIsAlwaysChosen() {
        Endpoint only = endpoint(1);
        Endpoint down = endpoint(2);
        down.setHealthy(false);
        LoadBalancer lb = balancer(LEAST_REQUEST, List.of(only, down));

        assertThat(tally(lb, 100)).containsOnlyKeys(only);
    }
}
