package dev.weft.cli.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.proxy.rbac.Authorization;
import dev.weft.proxy.rbac.RbacFilter;
import dev.weft.proxy.rbac.RbacRequest;
import dev.weft.proxy.rbac.RbacStats;
import dev.weft.proxy.rbac.RbacVerdict;
import dev.weft.proxy.sidecar.SidecarBootstrap;
import dev.weft.proxy.stats.Stats;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.NetUtil;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The RBAC filters the control plane emits for AuthorizationPolicies (weft-api's security.yaml example and the
 * demo's examples/mesh/authorization.yaml), built by the proxy as its ADS client builds a response, must be
 * accepted, and the compiled filters must decide requests as the policies say.
 */
class AuthorizationProxyCompatTest {
    private static final String CLIENT = "spiffe://cluster.local/ns/default/sa/client";
    private static final String SERVICES = """
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: reviews, namespace: bookinfo}
            spec: {ports: [{port: 9080}]}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: ratings, namespace: bookinfo}
            spec: {ports: [{port: 9080}]}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: jail, namespace: quarantine}
            spec: {ports: [{port: 9080}]}
            """;

    @TempDir
    Path dir;

    private TranslatedMesh mesh;

    @BeforeEach
    void mesh() throws Exception {
        mesh = new TranslatedMesh(dir);
        for (String yaml : List.of(Files.readString(Path.of("../examples/mesh/chat.yaml")), SERVICES,
                Files.readString(Path.of("../weft-api/src/test/resources/examples/security.yaml")),
                Files.readString(Path.of("../examples/mesh/authorization.yaml")))) {
            mesh.apply(yaml);
        }
    }

    /** The inbound listener's compiled authorization of a sidecar of {@code service} with {@code labels}. */
    private Authorization inbound(String namespace, String service, Map<String, String> labels) throws Exception {
        SidecarBootstrap sidecar = new SidecarBootstrap("127.0.0.1", 18000, namespace, service, "127.0.0.1", 15006, 8080,
                null, 15001, null, labels, null, null, "127.0.0.1", 0).validate();
        return TranslatedMesh.inboundAuthorization(mesh.candidate(sidecar).snapshot());
    }

    private static RbacVerdict decide(Authorization a, String method, String uri, String principal, String peer,
                                      String... headers) {
        HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), uri);
        head.headers().set("host", "chat:8080");
        for (int i = 0; i < headers.length; i += 2) {
            head.headers().add(headers[i], headers[i + 1]);
        }
        RbacRequest request = new RbacRequest(head, principal, NetUtil.createInetAddressFromIpAddressString(peer), 15006, true);
        return a.evaluate(request, new RbacStats(new Stats(), "inbound", a));
    }

    @Test
    void everySidecarTheSecurityExampleSelectsAcceptsItsFilters() throws Exception {
        Authorization reviewsV2 = inbound("bookinfo", "reviews", Map.of("version", "v2"));
        Authorization ratings = inbound("bookinfo", "ratings", Map.of());
        Authorization quarantined = inbound("quarantine", "jail", Map.of());

        assertThat(reviewsV2.filters()).extracting(RbacFilter::name)
                .containsExactly("weft.authz.deny", "weft.authz.allow", "weft.authz.audit");
        assertThat(ratings.filters()).extracting(RbacFilter::name)
                .containsExactly("weft.authz.deny", "weft.authz.allow", "weft.authz.audit");
        assertThat(decide(ratings, "GET", "/debug/vars", null, "10.0.0.1"))
                .isEqualTo(new RbacVerdict(true, "weft.authz.deny", "ns[bookinfo]-policy[deny-debug]-rule[0]", null));
        assertThat(decide(ratings, "GET", "/ratings/1", null, "10.0.0.1").denied()).as("allow-all, even plaintext").isFalse();
        assertThat(decide(quarantined, "GET", "/", CLIENT, "10.0.0.1").denied()).as("deny-all").isTrue();
    }

    @Test
    void theDemosPoliciesDecideAsWritten() throws Exception {
        Authorization chatV2 = inbound("default", "chat", Map.of("version", "v2"));

        assertThat(decide(chatV2, "GET", "/v1/models", CLIENT, "10.0.0.1").denied()).isFalse();
        assertThat(decide(chatV2, "POST", "/v1/chat/completions", CLIENT, "10.0.0.1"))
                .as("allowed, and audited on the canary")
                .isEqualTo(new RbacVerdict(false, null, null, "ns[default]-policy[chat-v2-writes]-rule[0]"));
        assertThat(decide(chatV2, "DELETE", "/v1/models", CLIENT, "10.0.0.1"))
                .isEqualTo(new RbacVerdict(true, "weft.authz.allow", null, null));
        assertThat(decide(chatV2, "GET", "/v1/models", null, "10.0.0.1").denied()).as("plaintext has no principal").isTrue();
        assertThat(decide(chatV2, "GET", "/metrics", "spiffe://cluster.local/ns/monitoring/sa/prometheus", "10.0.0.1")
                .denied()).isFalse();
        assertThat(decide(chatV2, "GET", "/healthz", "spiffe://cluster.local/ns/ops-eu/sa/probe", "10.0.0.1").denied()).isFalse();
        assertThat(decide(chatV2, "GET", "/healthz", "spiffe://cluster.local/ns/other/sa/probe", "10.0.0.1").denied()).isTrue();
        assertThat(decide(chatV2, "GET", "/admin/reset", CLIENT, "192.168.1.1", "x-chat-admin", "true"))
                .as("from outside 10.0.0.0/8")
                .isEqualTo(new RbacVerdict(true, "weft.authz.deny", "ns[default]-policy[chat-admin]-rule[0]", null));
        assertThat(decide(chatV2, "GET", "/admin/reset", CLIENT, "10.1.2.3"))
                .as("without the admin header")
                .isEqualTo(new RbacVerdict(true, "weft.authz.deny", "ns[default]-policy[chat-admin]-rule[1]", null));
        assertThat(decide(chatV2, "GET", "/admin/reset", CLIENT, "10.1.2.3", "x-chat-admin", "true"))
                .as("not denied, but no ALLOW rule covers /admin/")
                .isEqualTo(new RbacVerdict(true, "weft.authz.allow", null, null));
    }
}
