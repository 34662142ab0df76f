package dev.weft.cli.mesh;

import static dev.weft.cli.mesh.MeshFixture.BOUND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.controlplane.client.RotationStep;
import dev.weft.proxy.ProxyServer;
import dev.weft.proxy.identity.WorkloadCertificate;
import dev.weft.testkit.Ports;
import dev.weft.testkit.Processes;
import dev.weft.testkit.modelserver.ModelServer;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zero trust end to end, through real sidecars that joined with one-time tokens: STRICT and PERMISSIVE on a
 * sidecar's inbound port (curl and openssl as the outside clients), an authorization matrix by principal,
 * namespace, method and path, SVIDs of 15 seconds renewed under two minutes of continuous traffic, and a root
 * rotation under traffic, each without one failed request.
 */
class MeshSecurityTest {

    private static final String CHAT = "http://chat/v1/chat/completions";

    @TempDir
    Path dir;

    @Test
    void strictRefusesPlaintextAndPermissiveServesBothOnOnePort() throws Exception {
        try (MeshFixture mesh = new MeshFixture(dir.resolve("cp"), Duration.ofSeconds(10))) {
            // given: chat behind a sidecar (PERMISSIVE, the default), a client sidecar calling it
            ProxyServer chat = mesh.serverSidecar("chat", mesh.modelServer("v1", "chat-1"), "v1");
            int inbound = chat.port("inbound");
            int outbound = Ports.findFree();
            mesh.clientSidecar("client", outbound, "chat");
            awaitInstances(mesh, "chat", 1);

            // then: the client's sidecar reaches chat over mTLS, and a plaintext client on the same port is served too
            awaitStatus(outbound, "POST", CHAT, 200);
            Processes.Result plaintext = curl("http://127.0.0.1:" + inbound + "/v1/models");
            assertThat(plaintext.exitCode()).as(plaintext.stderr()).isZero();
            assertThat(plaintext.stdout()).contains("chat-sim");
            // and openssl shows the served chain: one SVID of chat's identity, issued by the mesh's root
            Processes.Result served = Processes.run(BOUND, List.of("sh", "-c", "openssl s_client -connect 127.0.0.1:"
                    + inbound + " -showcerts </dev/null 2>/dev/null | openssl x509 -noout -ext subjectAltName -issuer"));
            assertThat(served.stdout()).contains("URI:spiffe://cluster.local/ns/default/sa/chat")
                    .doesNotContain("DNS:");

            // when: the mesh goes STRICT
            mesh.apply("""
                    apiVersion: weft.dev/v1alpha1
                    kind: MeshConfig
                    metadata: {name: mesh}
                    spec: {mtls: {mode: STRICT}}
                    """);

            // then: plaintext is refused on that port, while the sidecar-to-sidecar calls carry on
            await().atMost(BOUND).until(() -> curl("http://127.0.0.1:" + inbound + "/v1/models").exitCode() != 0);
            try (TrafficLoop traffic = new TrafficLoop(outbound, CHAT, 2)) {
                await().atMost(BOUND).until(() -> traffic.total() >= 50);
                assertThat(traffic.failures()).isEmpty();
            }
        }
    }

    @Test
    void authorizationMatrixByPrincipalNamespaceMethodAndPath() throws Exception {
        try (MeshFixture mesh = new MeshFixture(dir.resolve("cp"), Duration.ofSeconds(10))) {
            ProxyServer chat = mesh.serverSidecar("chat", mesh.modelServer("v1", "chat-1"), "v1");
            int web = Ports.findFree();
            int batch = Ports.findFree();
            int ops = Ports.findFree();
            mesh.clientSidecar("default", "web", "web", web, "chat");
            mesh.clientSidecar("default", "batch", "batch", batch, "chat");
            mesh.clientSidecar("ops", "tools", "tools", ops, "chat.default");
            awaitInstances(mesh, "chat", 1);
            awaitStatus(web, "GET", "http://chat/v1/models", 200);

            mesh.apply("""
                    apiVersion: weft.dev/v1alpha1
                    kind: AuthorizationPolicy
                    metadata: {name: chat-callers, namespace: default}
                    spec:
                      selector: {service: chat}
                      action: ALLOW
                      rules:
                      - from: [{source: {principals: ["spiffe://cluster.local/ns/default/sa/web"]}}]
                        to: [{operation: {methods: [GET, POST], paths: ["/v1/*"]}}]
                      - from: [{source: {namespaces: [ops]}}]
                        to: [{operation: {methods: [GET], paths: [/v1/models]}}]
                    ---
                    apiVersion: weft.dev/v1alpha1
                    kind: AuthorizationPolicy
                    metadata: {name: chat-no-admin, namespace: default}
                    spec:
                      selector: {service: chat}
                      action: DENY
                      rules:
                      - to: [{operation: {paths: ["/v1/admin*"]}}]
                    """);
            // the policies are in force once the first denial shows
            awaitStatus(batch, "GET", "http://chat/v1/models", 403);

            record Call(String caller, int port, String method, String path, int status) {
            }
            List<Call> matrix = List.of(
                    new Call("web", web, "GET", "/v1/models", 200),
                    new Call("web", web, "POST", "/v1/chat/completions", 200),
                    new Call("web", web, "DELETE", "/v1/models", 403),        // method not allowed for web
                    new Call("web", web, "GET", "/v1/admin/keys", 403),       // DENY before ALLOW
                    new Call("web", web, "GET", "/healthz", 403),             // path outside /v1/*
                    new Call("batch", batch, "GET", "/v1/models", 403),       // principal not named
                    new Call("batch", batch, "POST", "/v1/chat/completions", 403),
                    new Call("ops", ops, "GET", "/v1/models", 200),           // namespace ops may read models
                    new Call("ops", ops, "POST", "/v1/chat/completions", 403),
                    new Call("ops", ops, "GET", "/v1/admin/keys", 403));
            List<String> wrong = new ArrayList<>();
            for (Call call : matrix) {
                // the short name "chat" is a host only within chat's namespace; ops calls from another
                HttpResponse<String> response = send(call.port(), call.method(), "http://chat.default" + call.path());
                if (response.statusCode() != call.status()) {
                    wrong.add(call + " got " + response.statusCode() + " " + response.headers().map());
                } else if (call.status() == 403) {
                    assertThat(response.headers().firstValue("x-weft-error")).as(call.toString()).hasValue("rbac_denied");
                    assertThat(response.body()).as(call.toString()).doesNotContain("chat-callers", "chat-no-admin");
                }
            }
            assertThat(wrong).isEmpty();
            // a plaintext caller (PERMISSIVE port, no certificate) has no principal: denied
            Processes.Result plaintext = curl("-o", "/dev/null", "-w", "%{http_code}",
                    "http://127.0.0.1:" + chat.port("inbound") + "/v1/models");
            assertThat(plaintext.stdout()).isEqualTo("403");
            // and the denials are counted by policy in the server sidecar's stats
            assertThat(chat.stats().snapshot().entrySet().stream()
                    .filter(e -> e.getKey().contains("rbac.policy.ns[default]-policy[chat-no-admin]") && e.getKey().endsWith(".denied"))
                    .mapToLong(Map.Entry::getValue).sum()).isEqualTo(2);
        }
    }

    @Test
    void certificatesOfFifteenSecondsRenewUnderTwoMinutesOfLoadWithoutAFailedRequest() throws Exception {
        try (MeshFixture mesh = new MeshFixture(dir.resolve("cp"), Duration.ofSeconds(10), Duration.ofSeconds(15))) {
            ProxyServer chat1 = mesh.serverSidecar("chat", mesh.modelServer("v1", "chat-1"), "v1");
            ProxyServer chat2 = mesh.serverSidecar("chat", mesh.modelServer("v1", "chat-2"), "v1");
            int outbound = Ports.findFree();
            ProxyServer client = mesh.clientSidecar("client", outbound, "chat");
            awaitInstances(mesh, "chat", 2);
            mesh.apply("""
                    apiVersion: weft.dev/v1alpha1
                    kind: MeshConfig
                    metadata: {name: mesh}
                    spec: {mtls: {mode: STRICT}}
                    """);
            awaitStatus(outbound, "POST", CHAT, 200);
            Map<String, Set<BigInteger>> serials = new ConcurrentHashMap<>();
            for (ProxyServer proxy : List.of(chat1, chat2, client)) {
                proxy.identity().addListener(c -> serials.computeIfAbsent(proxy.identity().identity() + "@"
                        + System.identityHashCode(proxy), k -> ConcurrentHashMap.newKeySet()).add(c.certificate().getSerialNumber()));
            }

            Instant end = Instant.now().plus(Duration.ofMinutes(2));
            try (TrafficLoop traffic = new TrafficLoop(outbound, CHAT, 4)) {
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> Instant.now().isAfter(end) || !traffic.failures().isEmpty());
                assertThat(traffic.failures()).isEmpty();
                assertThat(traffic.total()).isGreaterThan(1_000);
            }
            // every sidecar renewed about every 7.5 s: at least 10 new certificates each in two minutes
            assertThat(serials).hasSize(3);
            assertThat(serials.values()).allSatisfy(s -> assertThat(s).hasSizeGreaterThanOrEqualTo(10));
        }
    }

    @Test
    void rootRotationUnderLoadFailsNoRequest() throws Exception {
        try (MeshFixture mesh = new MeshFixture(dir.resolve("cp"), Duration.ofSeconds(10), Duration.ofSeconds(20))) {
            ProxyServer chat1 = mesh.serverSidecar("chat", mesh.modelServer("v1", "chat-1"), "v1");
            ProxyServer chat2 = mesh.serverSidecar("chat", mesh.modelServer("v1", "chat-2"), "v1");
            int outbound = Ports.findFree();
            ProxyServer client = mesh.clientSidecar("client", outbound, "chat");
            List<ProxyServer> sidecars = List.of(chat1, chat2, client);
            awaitInstances(mesh, "chat", 2);
            mesh.apply("""
                    apiVersion: weft.dev/v1alpha1
                    kind: MeshConfig
                    metadata: {name: mesh}
                    spec: {mtls: {mode: STRICT}}
                    """);
            awaitStatus(outbound, "POST", CHAT, 200);
            X509Certificate oldRoot = mesh.controlPlane().certificateAuthority().bundle().roots().get(0);

            try (TrafficLoop traffic = new TrafficLoop(outbound, CHAT, 4)) {
                await().atMost(BOUND).until(() -> traffic.total() >= 100);

                // step 1: the new root joins the bundle, and every sidecar trusts both
                mesh.client().rotate(RotationStep.ADD);
                await().atMost(BOUND).until(() -> sidecars.stream().allMatch(p -> p.identity().bundle().roots().size() == 2));
                long afterAdd = traffic.total();
                await().atMost(BOUND).until(() -> traffic.total() >= afterAdd + 100);

                // step 2: the new root issues; within one lifetime every sidecar holds an SVID from it
                mesh.client().rotate(RotationStep.ACTIVATE);
                X509Certificate newRoot = mesh.controlPlane().certificateAuthority().bundle().roots().stream()
                        .filter(r -> !r.equals(oldRoot)).findFirst().orElseThrow();
                await().atMost(Duration.ofSeconds(60)).until(() -> sidecars.stream()
                        .allMatch(p -> issuedBy(p.identity().current(), newRoot)));

                // step 3: the old root leaves the bundle; traffic carries on over new handshakes
                mesh.client().rotate(RotationStep.REMOVE_OLD);
                await().atMost(BOUND).until(() -> sidecars.stream().allMatch(p -> p.identity().bundle().roots().size() == 1
                        && p.identity().bundle().contains(newRoot)));
                long afterRemove = traffic.total();
                await().atMost(BOUND).until(() -> traffic.total() >= afterRemove + 200);
                assertThat(traffic.failures()).isEmpty();
            }
        }
    }

    private static boolean issuedBy(WorkloadCertificate certificate, X509Certificate root) {
        X509Certificate[] chain = certificate.chain();
        X509Certificate top = chain[chain.length - 1];
        return top.getIssuerX500Principal().equals(root.getSubjectX500Principal()) && verifies(top, root);
    }

    private static boolean verifies(X509Certificate certificate, X509Certificate issuer) {
        try {
            certificate.verify(issuer.getPublicKey());
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static void awaitInstances(MeshFixture mesh, String service, int count) {
        await().atMost(BOUND).until(() -> mesh.client().registry().stream().filter(s -> s.name().equals(service))
                .mapToLong(s -> s.instances().size()).sum() == count);
    }

    /** Sends until {@code url} answers {@code status}; a timeout names the last answer, so a failure says why. */
    private static void awaitStatus(int outboundPort, String method, String url, int status) {
        await().atMost(BOUND).untilAsserted(() -> {
            HttpResponse<String> response = send(outboundPort, method, url);
            assertThat(response.statusCode()).as("%s %s through port %d: %s %s", method, url, outboundPort,
                    response.headers().map(), response.body()).isEqualTo(status);
        });
    }

    private static HttpResponse<String> send(int outboundPort, String method, String url) throws Exception {
        HttpClient client = HttpClient.newBuilder()
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", outboundPort)))
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.BodyPublisher body = method.equals("POST") ? HttpRequest.BodyPublishers.ofString(
                "{\"model\":\"chat-sim\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                : HttpRequest.BodyPublishers.noBody();
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("content-type", "application/json").method(method, body).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Processes.Result curl(String... args) {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "5"));
        command.addAll(List.of(args));
        return Processes.run(Duration.ofSeconds(10), command);
    }
}
