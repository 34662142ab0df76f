package dev.weft.proxy.lb;

import static dev.weft.proxy.lb.Fixtures.balancer;
import static dev.weft.proxy.lb.Fixtures.endpoint;
import static dev.weft.proxy.lb.Fixtures.tally;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PriorityFailoverTest {

    @ParameterizedTest
    @EnumSource(value = LbPolicy.class, names = {"ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "RING_HASH"})
    void failsOverToTheNextPriorityAndBack(LbPolicy policy) {
        Endpoint primaryA = endpoint(1, 1, 0);
        Endpoint primaryB = endpoint(2, 1, 0);
        Endpoint backup = endpoint(3, 1, 1);
        // Listed backup first: the order of the list must not matter, only the priority.
        LoadBalancer lb = balancer(policy, List.of(backup, primaryA, primaryB));

        assertThat(tally(lb, 1_000)).containsOnlyKeys(primaryA, primaryB);

        primaryA.setHealthy(false);
        assertThat(tally(lb, 1_000)).containsOnlyKeys(primaryB);

        primaryB.setHealthy(false);
        assertThat(tally(lb, 1_000)).containsOnlyKeys(backup);

        primaryA.setHealthy(true);
        assertThat(tally(lb, 1_000)).containsOnlyKeys(primaryA);
    }

    @ParameterizedTest
    @EnumSource(value = LbPolicy.class, names = {"ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "RING_HASH"})
    void choosesNothingWhenNothingIsHealthy(LbPolicy policy) {
        Endpoint a = endpoint(1, 1, 0);
        Endpoint b = endpoint(2, 1, 1);
        LoadBalancer lb = balancer(policy, List.of(a, b));

        a.setHealthy(false);
        b.setHealthy(false);

        assertThat(lb.choose(OptionalLong.empty())).isNull();
        assertThat(lb.choose(OptionalLong.of(42))).isNull();
        b.setHealthy(true);
        assertThat(lb.choose(OptionalLong.of(42))).isSameAs(b);
    }

    @ParameterizedTest
    @EnumSource(value = LbPolicy.class, names = {"ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "RING_HASH"})
    void anEmptyClusterChoosesNothing(LbPolicy policy) {
        LoadBalancer lb = balancer(policy, List.of());

        assertThat(lb.choose(OptionalLong.empty())).isNull();
    }

    @ParameterizedTest
    @EnumSource(value = LbPolicy.class, names = {"ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "RING_HASH"})
    void anEndpointUnhealthyFromTheStartIsNeverChosen(LbPolicy policy) {
        Endpoint up = endpoint(1);
        Endpoint down = new Endpoint(endpoint(2).address(), 1, 0, false);
        LoadBalancer lb = balancer(policy, List.of(up, down));

        assertThat(tally(lb, 1_000)).containsOnlyKeys(up);
    }
}
