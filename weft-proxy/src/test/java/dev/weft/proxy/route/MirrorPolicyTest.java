package dev.weft.proxy.route;

import static dev.weft.proxy.route.RouteFixtures.get;
import static dev.weft.proxy.route.RouteFixtures.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.weft.proxy.config.ConfigException;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** request_mirror_policies compiled onto a route: clusters, fractions and the host suffix flag. */
class MirrorPolicyTest {
    private static List<MirrorPolicy> policies(String mirrorsJson) throws ConfigException {
        RouteEntry r = routes("[{\"match\": {\"prefix\": \"/\"}, \"route\": {\"cluster\": \"main\", \"request_mirror_policies\": "
                + mirrorsJson + "}}]").match(get("any", "/"));
        return r.mirrorPolicies();
    }

    private static long sampled(MirrorPolicy p, int draws) {
        return IntStream.range(0, draws).filter(i -> p.sample()).count();
    }

    @Test
    void policiesKeepTheirOrderAndDefaultToEveryRequestWithTheSuffix() throws ConfigException {
        // when
        List<MirrorPolicy> ps = policies("""
                [{"cluster": "shadow-a"},
                 {"cluster": "shadow-b", "disable_shadow_host_suffix_append": true}]""");

        // then
        assertThat(ps).extracting(MirrorPolicy::cluster).containsExactly("shadow-a", "shadow-b");
        assertThat(ps).extracting(MirrorPolicy::appendHostSuffix).containsExactly(true, false);
        assertThat(sampled(ps.get(0), 1_000)).isEqualTo(1_000);
    }

    @Test
    void aRouteWithoutMirrorsHasNone() throws ConfigException {
        RouteEntry r = routes("[{\"match\": {\"prefix\": \"/\"}, \"route\": {\"cluster\": \"main\"}}]").match(get("any", "/"));

        assertThat(r.mirrorPolicies()).isEmpty();
    }

    @Test
    void fractionSamplesThatShareOfRequests() throws ConfigException {
        // given
        MirrorPolicy none = policies("[{\"cluster\": \"s\", \"runtime_fraction\": {\"default_value\": {\"numerator\": 0}}}]").get(0);
        MirrorPolicy quarter = policies("[{\"cluster\": \"s\", \"runtime_fraction\": {\"default_value\": "
                + "{\"numerator\": 2500, \"denominator\": \"TEN_THOUSAND\"}}}]").get(0);
        MirrorPolicy over = policies("[{\"cluster\": \"s\", \"runtime_fraction\": {\"default_value\": {\"numerator\": 250}}}]").get(0);

        // when
        long quarterHits = sampled(quarter, 20_000);

        // then: 5,000 expected, standard deviation about 61
        assertThat(sampled(none, 10_000)).isZero();
        assertThat(quarterHits).isBetween(4_600L, 5_400L);
        assertThat(sampled(over, 1_000)).as("a numerator above the denominator is everything, as in Envoy").isEqualTo(1_000);
    }

    @Test
    void missingClusterAndDefaultValueNameTheirFields() {
        ConfigException noCluster = catchThrowableOfType(ConfigException.class,
                () -> policies("[{\"runtime_fraction\": {\"default_value\": {\"numerator\": 5}}}]"));
        ConfigException noDefault = catchThrowableOfType(ConfigException.class,
                () -> policies("[{\"cluster\": \"s\"}, {\"cluster\": \"s\", \"runtime_fraction\": {}}]"));

        assertThat(noCluster.path()).isEqualTo("virtual_hosts[0].routes[0].route.request_mirror_policies[0].cluster");
        assertThat(noDefault.path())
                .isEqualTo("virtual_hosts[0].routes[0].route.request_mirror_policies[1].runtime_fraction.default_value");
    }
}
