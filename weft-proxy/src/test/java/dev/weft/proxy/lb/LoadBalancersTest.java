package dev.weft.proxy.lb;

import static dev.weft.proxy.lb.Fixtures.cluster;
import static dev.weft.proxy.lb.Fixtures.endpoint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.UInt32Value;
import com.google.protobuf.UInt64Value;
import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.config.SupportedFields;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LeastRequestLbConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.RingHashLbConfig;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LoadBalancersTest {

    @ParameterizedTest
    @EnumSource(value = LbPolicy.class, names = {"ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "RING_HASH"})
    void acceptsTheSupportedPoliciesWithDefaults(LbPolicy policy) {
        assertThatCode(() -> LoadBalancers.validate(cluster(policy))).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @EnumSource(value = LbPolicy.class, names = {"MAGLEV", "CLUSTER_PROVIDED", "LOAD_BALANCING_POLICY_CONFIG"})
    void rejectsOtherPoliciesNamingTheField(LbPolicy policy) {
        ConfigException e = invalid(cluster(policy));

        assertThat(e.path()).isEqualTo("lb_policy");
        assertThat(e.reason()).isEqualTo(policy.name() + " is not supported");
    }

    @Test
    void rejectsAnUnknownPolicyNumber() {
        ConfigException e = invalid(Cluster.newBuilder().setLbPolicyValue(42).build());

        assertThat(e.path()).isEqualTo("lb_policy");
        assertThat(e.reason()).contains("42");
    }

    @Test
    void rejectsMurmurHash() {
        ConfigException e = invalid(ringHash(RingHashLbConfig.newBuilder()
                .setHashFunction(RingHashLbConfig.HashFunction.MURMUR_HASH_2)));

        assertThat(e.path()).isEqualTo("ring_hash_lb_config.hash_function");
        assertThat(e.reason()).startsWith("MURMUR_HASH_2 is not supported");
    }

    @Test
    void rejectsAMinimumRingLargerThanTheMaximum() {
        ConfigException e = invalid(ringHash(RingHashLbConfig.newBuilder()
                .setMinimumRingSize(UInt64Value.of(4096)).setMaximumRingSize(UInt64Value.of(2048))));

        assertThat(e.path()).isEqualTo("ring_hash_lb_config.minimum_ring_size");
        assertThat(e.reason()).contains("4096").contains("2048");
    }

    @Test
    void rejectsAMaximumBelowTheDefaultMinimum() {
        ConfigException e = invalid(ringHash(RingHashLbConfig.newBuilder().setMaximumRingSize(UInt64Value.of(512))));

        assertThat(e.path()).isEqualTo("ring_hash_lb_config.maximum_ring_size");
        assertThat(e.reason()).contains("512").contains("1024");
    }

    @Test
    void rejectsRingSizesOutsideOneToEightMillion() {
        ConfigException zero = invalid(ringHash(RingHashLbConfig.newBuilder().setMinimumRingSize(UInt64Value.of(0))));
        ConfigException huge = invalid(ringHash(RingHashLbConfig.newBuilder()
                .setMaximumRingSize(UInt64Value.of(8 * 1024 * 1024 + 1))));
        ConfigException unsigned = invalid(ringHash(RingHashLbConfig.newBuilder().setMinimumRingSize(UInt64Value.of(-1))));

        assertThat(zero.path()).isEqualTo("ring_hash_lb_config.minimum_ring_size");
        assertThat(huge.path()).isEqualTo("ring_hash_lb_config.maximum_ring_size");
        assertThat(unsigned.reason()).startsWith("18446744073709551615");
    }

    @Test
    void acceptsExplicitRingSizes() {
        Cluster c = ringHash(RingHashLbConfig.newBuilder()
                .setMinimumRingSize(UInt64Value.of(64)).setMaximumRingSize(UInt64Value.of(8 * 1024 * 1024)));

        assertThatCode(() -> LoadBalancers.validate(c)).doesNotThrowAnyException();
        assertThat(LoadBalancers.create(c, List.of(endpoint(1)))).isInstanceOf(RingHashLoadBalancer.class);
    }

    @Test
    void rejectsAChoiceCountBelowTwo() {
        ConfigException e = invalid(leastRequest(1));

        assertThat(e.path()).isEqualTo("least_request_lb_config.choice_count");
        assertThat(e.reason()).startsWith("1 (expected: 2 to");
    }

    @Test
    void rejectsAChoiceCountAboveTheLimit() {
        ConfigException e = invalid(leastRequest(LoadBalancers.MAX_CHOICE_COUNT + 1));

        assertThat(e.path()).isEqualTo("least_request_lb_config.choice_count");
    }

    @Test
    void rejectsAnLbConfigThatTheChosenPolicyWouldNotUse() {
        Cluster ringConfigOnRoundRobin = cluster(LbPolicy.ROUND_ROBIN).toBuilder()
                .setRingHashLbConfig(RingHashLbConfig.getDefaultInstance()).build();
        Cluster leastRequestConfigOnRandom = cluster(LbPolicy.RANDOM).toBuilder()
                .setLeastRequestLbConfig(LeastRequestLbConfig.getDefaultInstance()).build();

        assertThat(invalid(ringConfigOnRoundRobin).path()).isEqualTo("ring_hash_lb_config");
        assertThat(invalid(ringConfigOnRoundRobin).reason()).contains("ROUND_ROBIN");
        assertThat(invalid(leastRequestConfigOnRandom).path()).isEqualTo("least_request_lb_config");
    }

    @Test
    void createsTheBalancerThePolicyNames() {
        List<Endpoint> endpoints = List.of(endpoint(1));

        assertThat(LoadBalancers.create(cluster(LbPolicy.ROUND_ROBIN), endpoints)).isInstanceOf(RoundRobinLoadBalancer.class);
        assertThat(LoadBalancers.create(cluster(LbPolicy.LEAST_REQUEST), endpoints)).isInstanceOf(LeastRequestLoadBalancer.class);
        assertThat(LoadBalancers.create(cluster(LbPolicy.RANDOM), endpoints)).isInstanceOf(RandomLoadBalancer.class);
        assertThat(LoadBalancers.create(cluster(LbPolicy.RING_HASH), endpoints)).isInstanceOf(RingHashLoadBalancer.class);
    }

    @Test
    void registersExactlyTheFieldsItInterprets() {
        SupportedFields fields = new SupportedFields();

        LoadBalancers.registerFields(fields);

        assertThat(fields.list()).containsExactlyInAnyOrder(
                "envoy.config.cluster.v3.Cluster.lb_policy",
                "envoy.config.cluster.v3.Cluster.ring_hash_lb_config",
                "envoy.config.cluster.v3.Cluster.least_request_lb_config",
                "envoy.config.cluster.v3.Cluster.RingHashLbConfig.minimum_ring_size",
                "envoy.config.cluster.v3.Cluster.RingHashLbConfig.maximum_ring_size",
                "envoy.config.cluster.v3.Cluster.RingHashLbConfig.hash_function",
                "envoy.config.cluster.v3.Cluster.LeastRequestLbConfig.choice_count");
        assertThat(fields.isAllowed(Cluster.getDescriptor().findFieldByName("maglev_lb_config"))).isFalse();
        assertThat(fields.isAllowed(LeastRequestLbConfig.getDescriptor().findFieldByName("active_request_bias"))).isFalse();
    }

    private static Cluster ringHash(RingHashLbConfig.Builder config) {
        return cluster(LbPolicy.RING_HASH).toBuilder().setRingHashLbConfig(config).build();
    }

    private static Cluster leastRequest(int choiceCount) {
        return cluster(LbPolicy.LEAST_REQUEST).toBuilder()
                .setLeastRequestLbConfig(LeastRequestLbConfig.newBuilder().setChoiceCount(UInt32Value.of(choiceCount)))
                .build();
    }

    private static ConfigException invalid(Cluster cluster) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> LoadBalancers.validate(cluster));
        assertThat(e).as("validate(%s)", cluster).isNotNull();
        return e;
    }
}
