package dev.weft.proxy.lb;

import static dev.weft.proxy.lb.Fixtures.endpoint;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PrioritySetTest {

    @Test
    void groupsEndpointsByPriorityInListOrder() {
        Endpoint p2 = endpoint(1, 1, 2);
        Endpoint p0a = endpoint(2, 1, 0);
        Endpoint p0b = endpoint(3, 1, 0);

        PrioritySet<HealthyHosts> set = new PrioritySet<>(List.of(p2, p0a, p0b), hosts -> hosts);

        assertThat(set.levels()).hasNumberOfRows(2);
        assertThat(set.levels()[0]).containsExactly(p0a, p0b);
        assertThat(set.levels()[1]).containsExactly(p2);
    }

    @Test
    void whileAllAreHealthyTheSameStateIsServedWithoutRecomputing() {
        Endpoint a = endpoint(1);
        Endpoint b = endpoint(2);
        Endpoint elsewhere = endpoint(3);
        PrioritySet<HealthyHosts> set = new PrioritySet<>(List.of(a, b), hosts -> hosts);
        HealthyHosts steady = set.current();

        assertThat(set.current()).isSameAs(steady);
        // A health change anywhere moves the epoch; the set re-checks and finds its own hosts fine.
        elsewhere.setHealthy(false);
        assertThat(set.current()).isSameAs(steady);
        assertThat(set.current().hosts()).containsExactly(a, b);
    }

    @Test
    void aDegradedLevelServesItsHealthyHostsAndReturnsToTheFullStateOnRecovery() {
        Endpoint a = endpoint(1);
        Endpoint b = endpoint(2);
        PrioritySet<HealthyHosts> set = new PrioritySet<>(List.of(a, b), hosts -> hosts);
        HealthyHosts full = set.current();

        a.setHealthy(false);
        HealthyHosts degraded = set.current();
        a.setHealthy(true);

        assertThat(degraded.hosts()).containsExactly(b);
        assertThat(degraded.level()).isZero();
        assertThat(set.current()).isSameAs(full);
    }
}
