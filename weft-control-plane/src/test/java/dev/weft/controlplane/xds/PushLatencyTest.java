package dev.weft.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.controlplane.ControlPlane;
import dev.weft.ca.SpiffeId;
import dev.weft.controlplane.ControlPlaneConfig;
import dev.weft.controlplane.XdsTls;
import dev.weft.controlplane.Yaml;
import dev.weft.controlplane.client.ControlPlaneClient;
import io.envoyproxy.controlplane.cache.Resources;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures the time from {@code weft apply} (the API call) to every one of 50 ADS streams having received the new
 * route configuration, and prints it. The bound asserted is loose (a shared CI machine); the printed numbers are
 * the measurement.
 */
class PushLatencyTest {

    private static final int PROXIES = 50;
    private static final int ROUNDS = 20;
    private static final String MESH = """
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: reviews}
            spec: {ports: [{port: 9080}]}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: DestinationPolicy
            metadata: {name: reviews}
            spec:
              targetRef: {name: reviews}
              subsets:
                - {name: reviews-v1, labels: {version: v1}}
                - {name: reviews-v2, labels: {version: v2}}
            """;
    private static final String ROUTE = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: reviews}
            spec:
              parentRefs: [{group: "", kind: Service, name: reviews}]
              rules:
                - backendRefs:
                    - {group: weft.dev, kind: Subset, name: reviews-v1, port: 9080, weight: %d}
                    - {group: weft.dev, kind: Subset, name: reviews-v2, port: 9080, weight: %d}
            """;

    @TempDir
    Path dataDir;

    @Test
    void applyReachesFiftyProxiesQuickly() throws Exception {
        try (ControlPlane controlPlane = ControlPlane.start(ControlPlaneConfig.defaults(dataDir).withPorts(0, 0))) {
            ControlPlaneClient client = controlPlane.client();
            client.apply(Yaml.resources(MESH + "---\n" + ROUTE.formatted(100, 0)), false);
            List<AdsTestClient> proxies = new ArrayList<>();
            XdsTls.Workload reviews = XdsTls.workload(controlPlane.certificateAuthority(),
                    new SpiffeId("cluster.local", "default", "reviews"));
            try {
                for (int i = 0; i < PROXIES; i++) {
                    proxies.add(new AdsTestClient(XdsTls.channel(controlPlane, Clock.systemUTC(), reviews),
                            Nodes.sidecar("reviews-" + i, "reviews",
                            20000 + i, 8080, 15001, List.of(Map.of("service", "reviews")),
                            Map.of("version", i % 2 == 0 ? "v1" : "v2"))));
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> client.proxies().size() == PROXIES
                        && client.proxies().stream().allMatch(p -> p.types().values().stream()
                        .allMatch(t -> t.status().equals("SYNCED"))));

                long[] allReceived = new long[ROUNDS];
                long[] applied = new long[ROUNDS];
                for (int round = 0; round < ROUNDS; round++) {
                    int canary = 1 + round;
                    String before = proxies.get(0).latest(Resources.V3.ROUTE_TYPE_URL).response().getVersionInfo();
                    long start = System.nanoTime();
                    client.apply(Yaml.resources(ROUTE.formatted(100 - canary, canary)), false);
                    applied[round] = System.nanoTime() - start;
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1)).until(() ->
                            proxies.stream().allMatch(p -> !p.latest(Resources.V3.ROUTE_TYPE_URL).response()
                                    .getVersionInfo().equals(before)));
                    long last = proxies.stream().mapToLong(p -> p.latest(Resources.V3.ROUTE_TYPE_URL).arrivedNanos())
                            .max().orElseThrow();
                    allReceived[round] = last - start;
                    int weight = proxies.get(PROXIES - 1).routes().get("outbound").getVirtualHosts(0).getRoutes(0)
                            .getRoute().getWeightedClusters().getClusters(1).getWeight().getValue();
                    assertThat(weight).isEqualTo(canary);
                }
                Arrays.sort(allReceived);
                Arrays.sort(applied);
                System.out.printf("apply call (validate, write state file, answer): median %.1f ms%n",
                        applied[ROUNDS / 2] / 1e6);
                System.out.printf("apply -> all %d ADS streams have the new RDS: min %.1f ms, median %.1f ms, "
                                + "max %.1f ms over %d applies%n", PROXIES, allReceived[0] / 1e6,
                        allReceived[ROUNDS / 2] / 1e6, allReceived[ROUNDS - 1] / 1e6, ROUNDS);
                assertThat(allReceived[ROUNDS / 2]).isLessThan(Duration.ofSeconds(2).toNanos());
            } finally {
                proxies.forEach(AdsTestClient::close);
            }
        }
    }
}
