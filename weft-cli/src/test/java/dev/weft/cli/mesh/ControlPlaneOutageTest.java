package dev.weft.cli.mesh;

import static dev.weft.cli.mesh.MeshFixture.BOUND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.weft.controlplane.client.ControlPlaneException;
import dev.weft.proxy.ProxyServer;
import dev.weft.proxy.xds.XdsType;
import dev.weft.testkit.Ports;
import dev.weft.testkit.modelserver.ModelServer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mesh keeps serving through a control-plane restart and through a refused change. */
class ControlPlaneOutageTest {
    @TempDir
    Path dir;

    @Test
    void proxiesKeepServingWhileTheControlPlaneRestartsThenResync() throws Exception {
        try (MeshFixture mesh = new MeshFixture(dir.resolve("cp"), Duration.ofSeconds(10))) {
            // given: all traffic on v1
            mesh.apply(CanaryRolloutTest.route(100, 0));
            ModelServer v1 = mesh.modelServer("v1", "v1");
            ModelServer v2 = mesh.modelServer("v2", "v2");
            mesh.serverSidecar("chat", v1, "v1");
            mesh.serverSidecar("chat", v2, "v2");
            int outbound = Ports.findFree();
            ProxyServer client = mesh.clientSidecar("client", outbound, "chat");
            await().atMost(BOUND).until(() -> client.clusters().get("outbound|chat.default|8000|chat-v2") != null
                    && client.clusters().get("outbound|chat.default|8000|chat-v2").endpoints().size() == 1);
            TrafficLoop traffic = new TrafficLoop(outbound, "http://chat/v1/chat/completions", 4);
            try {
                await().atMost(BOUND).until(() -> traffic.total() >= 50);

                // when: the control plane goes away
                mesh.stopControlPlane();
                await().atMost(BOUND).until(() -> !client.xdsStatus().connected());

                // then: the last good config keeps serving
                traffic.countFromNow(BOUND);
                await().atMost(BOUND).until(() -> traffic.total() >= 200);
                assertThat(traffic.counts()).containsOnlyKeys("v1");

                // when: it comes back (same ports, same data directory) and the route changes
                mesh.startControlPlane();
                await().atMost(BOUND).until(() -> client.xdsStatus().connected());
                String before = MeshFixture.applied(client, XdsType.RDS);
                mesh.apply(CanaryRolloutTest.route(0, 100));
                MeshFixture.awaitNewVersion(client, XdsType.RDS, before);

                // then: the proxies resynced and follow it
                traffic.countFromNow(BOUND);
                await().atMost(BOUND).until(() -> traffic.total() >= 200);
                assertThat(traffic.counts()).containsOnlyKeys("v2");
            } finally {
                traffic.close();
            }
            assertThat(traffic.failures()).isEmpty();
        }
    }

    @Test
    void anInvalidResourceIsRefusedWithItsFieldPathAndTheOldRouteKeepsServing() throws Exception {
        try (MeshFixture mesh = new MeshFixture(dir.resolve("cp"), Duration.ofSeconds(10))) {
            // given
            mesh.apply(CanaryRolloutTest.route(100, 0));
            ModelServer v1 = mesh.modelServer("v1", "v1");
            mesh.serverSidecar("chat", v1, "v1");
            int outbound = Ports.findFree();
            ProxyServer client = mesh.clientSidecar("client", outbound, "chat");
            TrafficLoop traffic = new TrafficLoop(outbound, "http://chat/v1/chat/completions", 2);
            try {
                await().atMost(BOUND).until(() -> traffic.total() >= 20);
                String before = MeshFixture.applied(client, XdsType.RDS);

                // when: a route to a subset no DestinationPolicy declares
                ControlPlaneException refused = catchThrowableOfType(ControlPlaneException.class,
                        () -> mesh.apply(CanaryRolloutTest.route(0, 100).replace("name: chat-v2\n          port",
                                "name: chat-v3\n          port")));

                // then
                assertThat(refused).isNotNull();
                assertThat(refused.status()).isEqualTo(400);
                assertThat(refused.getMessage()).contains("HTTPRoute default/chat", "spec.rules[0].backendRefs[1]",
                        "chat-v3");
                traffic.countFromNow(BOUND);
                await().atMost(BOUND).until(() -> traffic.total() >= 100);
                assertThat(traffic.counts()).containsOnlyKeys("v1");
                assertThat(MeshFixture.applied(client, XdsType.RDS)).isEqualTo(before);
                assertThat(mesh.client().get(dev.weft.api.Kind.HTTP_ROUTE, "default", "chat").orElseThrow()
                        .toString()).doesNotContain("chat-v3");
            } finally {
                traffic.close();
            }
            assertThat(traffic.failures()).isEmpty();
        }
    }
}
