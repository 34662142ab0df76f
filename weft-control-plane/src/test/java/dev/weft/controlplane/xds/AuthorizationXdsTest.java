package dev.weft.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.weft.api.Kind;
import dev.weft.ca.SpiffeId;
import dev.weft.controlplane.ControlPlane;
import dev.weft.controlplane.ControlPlaneConfig;
import dev.weft.controlplane.TestClock;
import dev.weft.controlplane.XdsTls;
import dev.weft.controlplane.Yaml;
import dev.weft.controlplane.client.ControlPlaneClient;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An AuthorizationPolicy applied through the API reaches a connected sidecar's inbound listener, and leaves it. */
class AuthorizationXdsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String REVIEWS = """
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: reviews}
            spec: {ports: [{port: 9080}]}
            """;
    private static final String READERS = """
            apiVersion: weft.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: readers}
            spec:
              selector: {service: reviews}
              rules:
                - from: [{source: {principals: ["spiffe://cluster.local/ns/default/sa/productpage"]}}]
                  to: [{operation: {methods: [GET]}}]
            """;

    @TempDir
    Path dataDir;

    private final TestClock clock = new TestClock();
    private ControlPlane controlPlane;
    private ControlPlaneClient client;

    @BeforeEach
    void start() throws Exception {
        controlPlane = ControlPlane.start(ControlPlaneConfig.defaults(dataDir).withPorts(0, 0).withClock(clock));
        client = controlPlane.client();
        client.apply(Yaml.resources(REVIEWS), false);
    }

    @AfterEach
    void stop() {
        controlPlane.close();
    }

    /** A sidecar of {@code service} in default, connected over TLS with an SVID of the service's account. */
    private AdsTestClient sidecar(String service, int inboundPort, int appPort, Map<String, String> labels)
            throws Exception {
        return new AdsTestClient(XdsTls.channel(controlPlane, clock, XdsTls.workload(
                controlPlane.certificateAuthority(), new SpiffeId("cluster.local", "default", service))),
                Nodes.sidecar(service + "-a", service, inboundPort, appPort, 0, List.of(), labels));
    }

    private static List<HttpFilter> inboundFilters(AdsTestClient ads) throws InvalidProtocolBufferException {
        Listener inbound = ads.listeners().get(Translator.INBOUND);
        return inbound == null ? List.of() : inbound.getFilterChains(0).getFilters(0).getTypedConfig()
                .unpack(HttpConnectionManager.class).getHttpFiltersList();
    }

    private static List<String> filterNames(AdsTestClient ads) throws InvalidProtocolBufferException {
        return inboundFilters(ads).stream().map(HttpFilter::getName).toList();
    }

    private static RBAC allowRules(AdsTestClient ads) throws InvalidProtocolBufferException {
        return inboundFilters(ads).get(0).getTypedConfig()
                .unpack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class).getRules();
    }

    @Test
    void anAppliedPolicyReachesTheSidecarItSelectsAndADeleteRemovesIt() throws Exception {
        try (AdsTestClient ads = sidecar("reviews", 15006, 8080, Map.of("version", "v1"))) {
            // given: a connected sidecar without policies
            await().atMost(WAIT).untilAsserted(() -> assertThat(filterNames(ads))
                    .containsExactly(XdsResources.ROUTER));

            // when
            client.apply(Yaml.resources(READERS), false);

            // then
            await().atMost(WAIT).untilAsserted(() -> assertThat(filterNames(ads))
                    .containsExactly(AuthorizationTranslator.ALLOW_FILTER, XdsResources.ROUTER));
            assertThat(allowRules(ads).getAction()).isEqualTo(RBAC.Action.ALLOW);
            assertThat(allowRules(ads).getPoliciesMap()).containsOnlyKeys("ns[default]-policy[readers]-rule[0]");

            // when
            client.delete(Kind.AUTHORIZATION_POLICY, "default", "readers");

            // then
            await().atMost(WAIT).untilAsserted(() -> assertThat(filterNames(ads))
                    .containsExactly(XdsResources.ROUTER));
        }
    }

    @Test
    void meshWideDefaultDenyReachesASidecarNoPolicySelects() throws Exception {
        try (AdsTestClient ads = sidecar("ratings", 15007, 8081, Map.of())) {
            await().atMost(WAIT).until(() -> ads.listeners().containsKey(Translator.INBOUND));

            client.apply(Yaml.resources(READERS + """
                    ---
                    apiVersion: weft.dev/v1alpha1
                    kind: MeshConfig
                    metadata: {name: mesh}
                    spec: {authorization: {default: DENY}}
                    """), false);

            await().atMost(WAIT).untilAsserted(() -> assertThat(filterNames(ads))
                    .containsExactly(AuthorizationTranslator.ALLOW_FILTER, XdsResources.ROUTER));
            assertThat(allowRules(ads).getPoliciesMap()).as("readers selects reviews, not ratings").isEmpty();
        }
    }
}
