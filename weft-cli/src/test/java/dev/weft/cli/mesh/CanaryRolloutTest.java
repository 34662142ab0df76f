package dev.weft.cli.mesh;

import static dev.weft.cli.mesh.MeshFixture.BOUND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.cli.Weft;
import dev.weft.proxy.ProxyServer;
import dev.weft.proxy.xds.XdsType;
import dev.weft.testkit.Ports;
import dev.weft.testkit.modelserver.ModelServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The canary rollout end to end: control plane, sidecars beside two versions of a model server and beside a
 * client, routes applied through the API while traffic flows.
 */
class CanaryRolloutTest {
    /** Requests counted at each step; the split must lie within 4.5 standard deviations of the weight. */
    private static final int SAMPLE = 400;

    @TempDir
    Path dir;

    @Test
    void canaryMovesFromZeroToAllOfTheTrafficWithNoFailedRequest() throws Exception {
        try (MeshFixture mesh = new MeshFixture(dir.resolve("cp"), Duration.ofSeconds(10))) {
            // given: the chat service at 100/0, its two versions behind sidecars, a client sidecar calling it
            mesh.apply(route(100, 0));
            ModelServer v1 = mesh.modelServer("v1", "v1");
            ModelServer v2 = mesh.modelServer("v2", "v2");
            mesh.serverSidecar("chat", v1, "v1");
            mesh.serverSidecar("chat", v2, "v2");
            int outbound = Ports.findFree();
            ProxyServer client = mesh.clientSidecar("client", outbound, "chat");
            await().atMost(BOUND).until(() -> mesh.client().registry().stream()
                    .filter(s -> s.name().equals("chat")).mapToLong(s -> s.instances().size()).sum() == 2);

            TrafficLoop traffic = new TrafficLoop(outbound, "http://chat/v1/chat/completions", 4);
            try {
                await().atMost(BOUND).until(() -> traffic.total() >= 50);
                assertThat(traffic.count("v2")).isZero();

                // when / then: each step is served by the client's sidecar, and the split follows it
                for (int weight : new int[] {10, 50, 100}) {
                    String before = MeshFixture.applied(client, XdsType.RDS);
                    mesh.apply(route(100 - weight, weight));
                    MeshFixture.awaitNewVersion(client, XdsType.RDS, before);
                    traffic.countFromNow(BOUND);
                    await().atMost(BOUND).until(() -> traffic.total() >= SAMPLE);
                    java.util.Map<String, Long> counts = traffic.counts();
                    long total = counts.values().stream().mapToLong(Long::longValue).sum();
                    assertSplit(counts.getOrDefault("v2", 0L), total, weight / 100.0);
                }
            } finally {
                traffic.close();
            }
            assertThat(traffic.failures()).isEmpty();

            // and weft proxy-status shows every sidecar in sync
            StringWriter out = new StringWriter();
            int code = Weft.commandLine().setOut(new PrintWriter(out, true))
                    .execute("proxy-status", "--server", mesh.client().base().toString(), "--token",
                            mesh.controlPlane().adminToken().value(), "--ca-file",
                            mesh.controlPlane().trustBundleFile().toString());
            assertThat(code).isZero();
            assertThat(out.toString().lines().filter(l -> l.contains("client.default")))
                    .singleElement().asString().containsPattern("SYNCED +SYNCED +SYNCED +SYNCED");
            assertThat(out.toString().lines().filter(l -> l.contains("chat.default"))).hasSize(2);
        }
    }

    static void assertSplit(long hits, long total, double p) {
        double sd = Math.sqrt(total * p * (1 - p));
        assertThat((double) hits).as("%d of %d at weight %.2f", hits, total, p)
                .isBetween(total * p - 4.5 * sd - 1, total * p + 4.5 * sd + 1);
    }

    static String route(int v1, int v2) throws Exception {
        String chat = Files.readString(Path.of("../examples/mesh/chat.yaml"));
        return chat.replace("weight: 90\n", "weight: " + v1 + "\n").replace("weight: 10\n", "weight: " + v2 + "\n");
    }
}
