package dev.weft.proxy.lb;

import static dev.weft.proxy.lb.Fixtures.balancer;
import static dev.weft.proxy.lb.Fixtures.endpoint;
import static dev.weft.proxy.lb.Fixtures.tally;
import static io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy.ROUND_ROBIN;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class RoundRobinLoadBalancerTest {

    @Test
    void equalWeightsRotateStrictly() {
        List<Endpoint> endpoints = List.of(endpoint(1), endpoint(2), endpoint(3));
        LoadBalancer lb = balancer(ROUND_ROBIN, endpoints);

        List<Endpoint> picks = picks(lb, 300);

        assertThat(picks.subList(0, 3)).containsExactlyInAnyOrderElementsOf(endpoints);
        for (int i = 3; i < picks.size(); i++) {
            assertThat(picks.get(i)).isSameAs(picks.get(i - 3));
        }
    }

    @Test
    void weightsOneToThreeGiveExactSharesSpreadThroughTheCycle() {
        Endpoint light = endpoint(1, 1, 0);
        Endpoint heavy = endpoint(2, 3, 0);
        LoadBalancer lb = balancer(ROUND_ROBIN, List.of(light, heavy));

        List<Endpoint> picks = picks(lb, 100_000);

        assertThat(picks.stream().filter(e -> e == light).count()).isEqualTo(25_000);
        assertThat(picks.stream().filter(e -> e == heavy).count()).isEqualTo(75_000);
        for (int i = 0; i + 4 <= picks.size(); i++) {
            assertThat(picks.subList(i, i + 4).stream().filter(e -> e == light).count())
                    .as("light host in window at %d", i).isEqualTo(1);
        }
    }

    @Test
    void scheduleInterleavesHostsByWeight() {
        Endpoint a = endpoint(1, 1, 0);
        Endpoint b = endpoint(2, 2, 0);
        Endpoint c = endpoint(3, 4, 0);

        Endpoint[] slots = RoundRobinLoadBalancer.schedule(new Endpoint[] {a, b, c});

        // Due times: a at 1; b at 1/2, 1; c at 1/4, 2/4, 3/4, 1 (ties by position).
        assertThat(slots).containsExactly(c, b, c, c, a, b, c);
    }

    @Test
    void weightsWithACommonDivisorKeepAShortSchedule() {
        Endpoint[] hosts = {endpoint(1, 1_000_000, 0), endpoint(2, 3_000_000, 0)};

        Endpoint[] slots = RoundRobinLoadBalancer.schedule(hosts);

        assertThat(slots).containsExactly(hosts[1], hosts[1], hosts[0], hosts[1]);
    }

    @Test
    void hugeCoprimeWeightsAreScaledWithinAFractionOfAPercent() {
        Endpoint[] hosts = {endpoint(1, 1_000_003, 0), endpoint(2, 2_999_999, 0)};

        Endpoint[] slots = RoundRobinLoadBalancer.schedule(hosts);

        assertThat(slots.length).isLessThanOrEqualTo(RoundRobinLoadBalancer.MAX_SCHEDULE + hosts.length);
        double lightShare = Arrays.stream(slots).filter(e -> e == hosts[0]).count() / (double) slots.length;
        assertThat(lightShare).isCloseTo(0.25, org.assertj.core.data.Offset.offset(0.001));
    }

    @Test
    void skipsAnUnhealthyHostAndTakesItBackWhenItRecovers() {
        Endpoint a = endpoint(1);
        Endpoint b = endpoint(2);
        Endpoint c = endpoint(3);
        LoadBalancer lb = balancer(ROUND_ROBIN, List.of(a, b, c));

        b.setHealthy(false);
        Map<Endpoint, Integer> whileDown = tally(lb, 1_000);
        b.setHealthy(true);
        Map<Endpoint, Integer> afterRecovery = tally(lb, 999);

        assertThat(whileDown).containsOnlyKeys(a, c).containsEntry(a, 500).containsEntry(c, 500);
        assertThat(afterRecovery).containsEntry(a, 333).containsEntry(b, 333).containsEntry(c, 333);
    }

    private static List<Endpoint> picks(LoadBalancer lb, int n) {
        List<Endpoint> picks = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            picks.add(lb.choose(OptionalLong.empty()));
        }
        return picks;
    }
}
