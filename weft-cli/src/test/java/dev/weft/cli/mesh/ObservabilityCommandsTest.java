package dev.weft.cli.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.cli.Weft;
import dev.weft.proxy.ProxyServer;
import dev.weft.proxy.xds.XdsType;
import dev.weft.testkit.Ports;
import dev.weft.testkit.modelserver.ModelServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The operator's views of a running mesh, against a real control plane and joined sidecars (mTLS between them):
 * {@code weft proxy-config} shows what the control plane sends a sidecar (secrets without key material),
 * {@code weft tap} streams a sidecar's requests (found through the control plane), and MeshConfig
 * {@code telemetry.accessLog} makes every sidecar write JSON lines naming both ends' SPIFFE IDs.
 */
class ObservabilityCommandsTest {
    private static final Duration BOUND = MeshFixture.BOUND;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private MeshFixture mesh;
    private ProxyServer chat;
    private ProxyServer app;
    private HttpClient client;
    private String[] server;
    private String out;
    private String err;

    @BeforeEach
    void start() throws Exception {
        mesh = new MeshFixture(dir.resolve("cp"), Duration.ofSeconds(10));
        ModelServer model = mesh.modelServer("v1", "chat-1");
        chat = mesh.serverSidecar("chat", model, "v1");
        int outbound = Ports.findFree();
        app = mesh.clientSidecar("app", outbound, "chat");
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", outbound))).build();
        var cp = mesh.controlPlane();
        server = new String[] {"--server", cp.apiUri().toString(), "--token", cp.adminToken().value(),
                "--ca-file", cp.trustBundleFile().toString()};
        await().atMost(BOUND).until(() -> call("/v1/models") == 200);
    }

    @AfterEach
    void stop() throws Exception {
        mesh.close();
    }

    private int call(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://chat" + path)).build(), BodyHandlers.discarding())
                .statusCode();
    }

    private int weft(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        CommandLine cl = Weft.commandLine();
        cl.setOut(new PrintWriter(o, true));
        cl.setErr(new PrintWriter(e, true));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(server));
        int code = cl.execute(all.toArray(new String[0]));
        out = o.toString();
        err = e.toString();
        return code;
    }

    @Test
    void proxyConfigShowsWhatTheControlPlaneSendsASidecar() throws Exception {
        // listeners of the server sidecar: its inbound listener, mTLS and plaintext chains (PERMISSIVE), by RDS
        assertThat(weft("proxy-config", "chat", "listeners")).as(err).isZero();
        assertThat(out).startsWith("NAME").contains("inbound").contains("INBOUND").contains("(tls)");

        // the client sidecar's routes and clusters name the chat service; the cluster expects chat's SPIFFE ID
        assertThat(weft("proxy-config", "app.default", "routes")).as(err).isZero();
        assertThat(out).contains("chat");
        assertThat(weft("proxy-config", "app", "clusters")).as(err).isZero();
        assertThat(out).contains("spiffe://cluster.local/ns/default/sa/chat");
        assertThat(weft("proxy-config", "app", "endpoints")).as(err).isZero();
        assertThat(out).contains("127.0.0.1:" + chat.port("inbound")).contains("tlsMode=weft");

        // as JSON, the resources are Envoy's
        assertThat(weft("proxy-config", "app", "listeners", "-o", "json")).as(err).isZero();
        JsonNode listeners = JSON.readTree(out);
        assertThat(listeners.get("type").asText()).isEqualTo("listeners");
        assertThat(listeners.get("version").asText()).isEqualTo(MeshFixture.applied(app, XdsType.LDS));
        List<String> names = new ArrayList<>();
        listeners.get("resources").forEach(l -> names.add(l.get("name").asText()));
        assertThat(names).contains("outbound");

        // secrets: the trust bundle the control plane sends, and the sidecar's own SVID (from its agent, as the
        // proxy's admin /certs reports it), with identities and expiry, never key material
        assertThat(weft("proxy-config", "chat", "secrets")).as(err).isZero();
        assertThat(out).contains("ROOTCA").contains("control plane (SDS)").contains("trust bundle")
                .contains("cluster.local");
        String svid = out.lines().filter(l -> l.startsWith("default ")).findFirst().orElseThrow();
        java.security.cert.X509Certificate leaf = chat.secrets().certificate("default").leaf();
        assertThat(svid).contains("proxy (local)").contains("spiffe://cluster.local/ns/default/sa/chat")
                .contains(leaf.getNotAfter().toInstant().toString());
        assertThat(weft("proxy-config", "chat", "secrets", "-o", "yaml")).as(err).isZero();
        assertThat(out).contains("not_after").contains("days_until_expiration").doesNotContain("BEGIN")
                .doesNotContain("PRIVATE");
        JsonNode certs = JSON.readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + chat.adminPort() + "/certs")).build(), BodyHandlers.ofString()).body());
        JsonNode own = null;
        for (JsonNode c : certs.get("certificates")) {
            if (c.get("name").asText().equals("default")) {
                own = c;
            }
        }
        assertThat(own).isNotNull();
        assertThat(own.get("source").asText()).isEqualTo("local");
        assertThat(own.get("chain").get(0).get("serial").asText()).isEqualTo(leaf.getSerialNumber().toString(16));
        assertThat(own.get("chain").get(0).get("days_until_expiration").asLong()).isBetween(0L, 1L);
        assertThat(certs.toString()).doesNotContain("BEGIN").doesNotContain("key");

        // a proxy that is not connected, or a wrong type, is an error that says so
        assertThat(weft("proxy-config", "nobody", "routes")).isEqualTo(1);
        assertThat(err).contains("no connected proxy is named nobody");
        assertThat(weft("proxy-config", "chat", "everything")).isEqualTo(2);
    }

    @Test
    void tapStreamsTheRequestsOfASidecarFoundThroughTheControlPlane() throws Exception {
        // when: weft tap on the server sidecar, for two requests under /v1/chat
        CompletableFuture<Integer> tap = CompletableFuture.supplyAsync(
                () -> weft("tap", "chat", "--path", "/v1/chat", "--count", "2", "-o", "json"));
        await().atMost(BOUND).until(() -> chat.stats().value("tap.subscribers") == 1);
        assertThat(call("/v1/models")).isEqualTo(200);
        for (int i = 0; i < 2; i++) {
            assertThat(client.send(HttpRequest.newBuilder(URI.create("http://chat/v1/chat/completions"))
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"chat-sim\",\"messages\":[{\"role\":\"user\","
                            + "\"content\":\"hi\"}],\"max_tokens\":3}")).build(), BodyHandlers.discarding()).statusCode())
                    .isEqualTo(200);
        }

        // then: the tap printed those two, as seen by chat's inbound listener, and ended
        assertThat(tap.get(BOUND.toSeconds(), TimeUnit.SECONDS)).as(err).isZero();
        List<JsonNode> lines = new ArrayList<>();
        for (String l : out.strip().split("\n")) {
            lines.add(JSON.readTree(l));
        }
        assertThat(lines).hasSize(2).allSatisfy(n -> {
            assertThat(n.get("path").asText()).isEqualTo("/v1/chat/completions");
            assertThat(n.get("response_code").asInt()).isEqualTo(200);
            assertThat(n.get("direction").asText()).isEqualTo("INBOUND");
            assertThat(n.get("downstream_peer_uri_san").asText()).isEqualTo("spiffe://cluster.local/ns/default/sa/app");
        });
        await().atMost(BOUND).until(() -> chat.stats().value("tap.subscribers") == 0);
    }

    @Test
    void meshConfigAccessLogMakesEverySidecarLogBothIdentities() throws Exception {
        Path log = dir.resolve("access.log");
        String before = MeshFixture.applied(app, XdsType.LDS);
        mesh.apply("""
                apiVersion: weft.dev/v1alpha1
                kind: MeshConfig
                metadata:
                  name: mesh
                spec:
                  telemetry:
                    accessLog:
                      path: %s
                """.formatted(log));
        MeshFixture.awaitNewVersion(app, XdsType.LDS, before);
        await().atMost(BOUND).until(() -> chat.snapshot().listeners().stream()
                .allMatch(l -> !l.http().accessLogs().isEmpty()));

        assertThat(call("/v1/models")).isEqualTo(200);

        // then: one line from each sidecar: the client's outbound names the callee, chat's inbound the caller
        await().atMost(BOUND).until(() -> Files.exists(log) && Files.readAllLines(log).size() == 2);
        JsonNode outboundLine = null;
        JsonNode inboundLine = null;
        for (String l : Files.readAllLines(log)) {
            JsonNode n = JSON.readTree(l);
            assertThat(n.get("path").asText()).isEqualTo("/v1/models");
            assertThat(n.get("response_code").asInt()).isEqualTo(200);
            if (n.get("upstream_cluster").asText().startsWith("inbound")) {
                inboundLine = n;
            } else {
                outboundLine = n;
            }
        }
        assertThat(outboundLine).isNotNull();
        assertThat(inboundLine).isNotNull();
        assertThat(outboundLine.get("upstream_peer_uri_san").asText()).isEqualTo("spiffe://cluster.local/ns/default/sa/chat");
        assertThat(outboundLine.get("downstream_peer_uri_san").isNull()).isTrue();
        assertThat(inboundLine.get("downstream_peer_uri_san").asText()).isEqualTo("spiffe://cluster.local/ns/default/sa/app");
    }
}
