package dev.weft.cli.mesh;

import static dev.weft.cli.mesh.MeshFixture.BOUND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.proxy.ProxyServer;
import dev.weft.proxy.xds.XdsType;
import dev.weft.testkit.Ports;
import dev.weft.testkit.modelserver.ModelServer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Instances leaving under load: deregistered through the API, or killed and expired by their TTL. */
class InstanceChurnTest {
    private static final String SERVICE = """
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: chat, namespace: default}
            spec:
              ports: [{name: http, port: 8000}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: chat, namespace: default}
            spec:
              parentRefs: [{group: "", kind: Service, name: chat}]
              rules:
                - backendRefs: [{name: chat, port: 8000}]
                  retry: {attempts: 3, backoff: 10ms, codes: [502, 503]}
            """;

    @TempDir
    Path dir;

    @Test
    void aDeregisteredInstanceGetsNoNewRequests() throws Exception {
        try (MeshFixture mesh = new MeshFixture(dir.resolve("cp"), Duration.ofSeconds(10))) {
            // given: two instances registered through the API, called through a client sidecar
            mesh.apply(SERVICE);
            ModelServer a = mesh.modelServer("v1", "a");
            ModelServer b = mesh.modelServer("v1", "b");
            mesh.register("chat", "chat-a", a, "v1");
            mesh.register("chat", "chat-b", b, "v1");
            int outbound = Ports.findFree();
            ProxyServer client = mesh.clientSidecar("client", outbound, "chat");
            TrafficLoop traffic = new TrafficLoop(outbound, "http://chat/v1/chat/completions", 4);
            try {
                await().atMost(BOUND).until(() -> a.requestCount() > 20 && b.requestCount() > 20);

                // when
                String before = MeshFixture.applied(client, XdsType.EDS);
                assertThat(mesh.client().deregister("default", "chat-b")).isTrue();
                MeshFixture.awaitNewVersion(client, XdsType.EDS, before);
                // requests already on their way to b when the push landed may still arrive
                long aAtPush = a.requestCount();
                await().atMost(BOUND).until(() -> a.requestCount() > aAtPush + 20);
                long bSettled = b.requestCount();
                long aSettled = a.requestCount();

                // then: the other instance takes all of the traffic that follows
                await().atMost(BOUND).until(() -> a.requestCount() > aSettled + 200);
                assertThat(b.requestCount()).isEqualTo(bSettled);
            } finally {
                traffic.close();
            }
            assertThat(traffic.failures()).isEmpty();
        }
    }

    @Test
    void aKilledSidecarsInstanceLeavesAfterItsTtlAndRetriesHideTheLoss() throws Exception {
        Duration ttl = Duration.ofSeconds(2);
        try (MeshFixture mesh = new MeshFixture(dir.resolve("cp"), ttl)) {
            // given: two instances behind their own sidecars
            mesh.apply(SERVICE);
            ModelServer a = mesh.modelServer("v1", "a");
            ModelServer b = mesh.modelServer("v1", "b");
            mesh.serverSidecar("chat", a, "v1");
            ProxyServer sidecarB = mesh.serverSidecar("chat", b, "v1");
            int outbound = Ports.findFree();
            ProxyServer client = mesh.clientSidecar("client", outbound, "chat");
            String cluster = "outbound|chat.default|8000";
            await().atMost(BOUND).until(() -> endpoints(client, cluster) == 2);
            TrafficLoop traffic = new TrafficLoop(outbound, "http://chat/v1/chat/completions", 4);
            try {
                await().atMost(BOUND).until(() -> a.requestCount() > 20 && b.requestCount() > 20);

                // when: b's sidecar dies with requests in flight; its xDS stream ends with it
                long killedAt = System.nanoTime();
                sidecarB.close();

                // then: the client's sidecar drops the endpoint once the TTL has run out, not before
                await().atMost(BOUND).until(() -> endpoints(client, cluster) == 1);
                long goneAfterMillis = (System.nanoTime() - killedAt) / 1_000_000;
                assertThat(goneAfterMillis).isGreaterThanOrEqualTo(ttl.toMillis() - 100);
                long aNow = a.requestCount();
                await().atMost(BOUND).until(() -> a.requestCount() > aNow + 200);
            } finally {
                traffic.close();
            }
            assertThat(traffic.failures()).isEmpty();
        }
    }

    private static int endpoints(ProxyServer proxy, String cluster) {
        var c = proxy.clusters().get(cluster);
        return c == null ? 0 : c.endpoints().size();
    }
}
