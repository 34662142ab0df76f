package dev.weft.cli.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.proxy.rbac.Authorization;
import dev.weft.proxy.rbac.RbacRequest;
import dev.weft.proxy.rbac.RbacStats;
import dev.weft.proxy.rbac.RbacVerdict;
import dev.weft.proxy.sidecar.SidecarBootstrap;
import dev.weft.proxy.stats.Stats;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AuthorizationPolicies as the proxy enforces them: the control plane's translation, accepted by the proxy's xDS
 * loading, decides an authorization matrix of callers (principal, namespace, plaintext, address) by method, path,
 * host and header. Enforcement on a real connection is the proxy's own tests'; this pins down that what the
 * translator emits means what the policy says.
 */
class AuthorizationMatrixTest {

    private static final String PRODUCTPAGE = "spiffe://cluster.local/ns/shop/sa/productpage";
    private static final String OTHER = "spiffe://cluster.local/ns/shop/sa/other";
    private static final String OPS = "spiffe://cluster.local/ns/ops/sa/prober";
    private static final String OPS_TEAM = "spiffe://cluster.local/ns/ops-team/sa/prober";
    private static final String ADMIN_TOOL = "spiffe://cluster.local/ns/tools/sa/admin";

    private static final String MESH = """
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: reviews, namespace: shop}
            spec: {ports: [{port: 9080}]}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: ratings, namespace: shop}
            spec: {ports: [{port: 9090}]}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: reviews-callers, namespace: shop}
            spec:
              selector: {service: reviews}
              rules:
                - from: [{source: {principals: ["spiffe://cluster.local/ns/shop/sa/productpage"]}}]
                  to: [{operation: {methods: [GET, HEAD], paths: ["/reviews/*"]}}]
                - from: [{source: {namespaces: [ops]}}]
                  to: [{operation: {methods: [GET], paths: [/healthz]}}]
                - from: [{source: {principals: ["*/sa/admin"]}}]
                  to: [{operation: {hosts: [reviews.shop], methods: [DELETE]}}]
                  when: [{key: "request.headers[x-reason]", values: ["*"]}]
                - from: [{source: {ipBlocks: [10.0.0.0/8], notPrincipals: ["*"]}}]
                  to: [{operation: {paths: [/metrics]}}]
            ---
            apiVersion: weft.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: no-internal, namespace: shop}
            spec:
              action: DENY
              rules:
                - to: [{operation: {paths: ["/reviews/internal/*"]}}]
                  when: [{key: source.namespace, notValues: [shop]}]
            ---
            apiVersion: weft.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: writes, namespace: shop}
            spec:
              action: AUDIT
              rules: [{to: [{operation: {notMethods: [GET, HEAD]}}]}]
            """;

    @TempDir
    Path dir;

    private TranslatedMesh mesh;

    @BeforeEach
    void mesh() throws Exception {
        mesh = new TranslatedMesh(dir);
        mesh.apply(MESH);
    }

    private Authorization inbound(String service) throws Exception {
        SidecarBootstrap sidecar = new SidecarBootstrap("127.0.0.1", 18000, "shop", service, "127.0.0.1", 15006,
                8080, null, 0, List.of(), Map.of(), null, null, "127.0.0.1", 0).validate();
        return TranslatedMesh.inboundAuthorization(mesh.candidate(sidecar).snapshot());
    }

    /** Whether the request is allowed; its verdict is also checked for the filter that decided. */
    private static RbacVerdict decide(Authorization authorization, String principal, String address, HttpMethod method,
                                      String host, String uri, Map<String, String> headers) throws Exception {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri);
        request.headers().set("host", host);
        headers.forEach(request.headers()::set);
        return authorization.evaluate(new RbacRequest(request, principal, InetAddress.getByName(address), 15006, true),
                new RbacStats(new Stats(), "inbound", authorization));
    }

    private static boolean allowed(Authorization authorization, String principal, HttpMethod method, String uri)
            throws Exception {
        return !decide(authorization, principal, "127.0.0.1", method, "reviews:9080", uri, Map.of()).denied();
    }

    @Test
    void principalsNamespacesMethodsAndPathsDecideAsThePolicySays() throws Exception {
        Authorization reviews = inbound("reviews");

        // the productpage account may read reviews, nothing else
        assertThat(allowed(reviews, PRODUCTPAGE, HttpMethod.GET, "/reviews/1")).isTrue();
        assertThat(allowed(reviews, PRODUCTPAGE, HttpMethod.HEAD, "/reviews/1?full=1")).isTrue();
        assertThat(allowed(reviews, PRODUCTPAGE, HttpMethod.POST, "/reviews/1")).isFalse();
        assertThat(allowed(reviews, PRODUCTPAGE, HttpMethod.GET, "/ratings/1")).isFalse();
        assertThat(allowed(reviews, PRODUCTPAGE, HttpMethod.GET, "/healthz")).isFalse();
        // another account of the same namespace may not
        assertThat(allowed(reviews, OTHER, HttpMethod.GET, "/reviews/1")).isFalse();
        // the ops namespace may probe health, and only that; ops-team is another namespace
        assertThat(allowed(reviews, OPS, HttpMethod.GET, "/healthz")).isTrue();
        assertThat(allowed(reviews, OPS, HttpMethod.GET, "/reviews/1")).isFalse();
        assertThat(allowed(reviews, OPS_TEAM, HttpMethod.GET, "/healthz")).isFalse();
        // a plaintext caller has no principal and no namespace
        assertThat(allowed(reviews, null, HttpMethod.GET, "/healthz")).isFalse();
        assertThat(allowed(reviews, null, HttpMethod.GET, "/reviews/1")).isFalse();
    }

    @Test
    void denyIsEvaluatedBeforeAllowAndNamesItsPolicy() throws Exception {
        Authorization reviews = inbound("reviews");

        RbacVerdict fromOps = decide(reviews, OPS, "127.0.0.1", HttpMethod.GET, "reviews", "/reviews/internal/x",
                Map.of());
        assertThat(fromOps.denied()).isTrue();
        assertThat(fromOps.filter()).isEqualTo("weft.authz.deny");
        assertThat(fromOps.policy()).isEqualTo("ns[shop]-policy[no-internal]-rule[0]");
        // productpage is of namespace shop, which the DENY rule exempts, and its ALLOW rule matches
        assertThat(allowed(reviews, PRODUCTPAGE, HttpMethod.GET, "/reviews/internal/x")).isTrue();
    }

    @Test
    void hostsHeadersAndAddressesAreConditionsToo() throws Exception {
        Authorization reviews = inbound("reviews");

        // DELETE by an admin account, to host reviews.shop (any port, any case), with a reason header
        assertThat(decide(reviews, ADMIN_TOOL, "127.0.0.1", HttpMethod.DELETE, "Reviews.Shop:9080", "/reviews/1",
                Map.of("x-reason", "spam")).denied()).isFalse();
        assertThat(decide(reviews, ADMIN_TOOL, "127.0.0.1", HttpMethod.DELETE, "reviews.shop", "/reviews/1",
                Map.of()).denied()).as("without the header").isTrue();
        assertThat(decide(reviews, ADMIN_TOOL, "127.0.0.1", HttpMethod.DELETE, "reviews", "/reviews/1",
                Map.of("x-reason", "spam")).denied()).as("another host").isTrue();
        // /metrics from 10/8 only, and only in plaintext (notPrincipals: ["*"])
        assertThat(decide(reviews, null, "10.1.2.3", HttpMethod.GET, "reviews", "/metrics", Map.of()).denied())
                .isFalse();
        assertThat(decide(reviews, null, "192.168.1.1", HttpMethod.GET, "reviews", "/metrics", Map.of()).denied())
                .isTrue();
        assertThat(decide(reviews, PRODUCTPAGE, "10.1.2.3", HttpMethod.GET, "reviews", "/metrics", Map.of())
                .denied()).isTrue();
    }

    @Test
    void auditRecordsWithoutDeciding() throws Exception {
        Authorization reviews = inbound("reviews");

        RbacVerdict write = decide(reviews, PRODUCTPAGE, "127.0.0.1", HttpMethod.POST, "reviews", "/reviews/1",
                Map.of());
        RbacVerdict read = decide(reviews, PRODUCTPAGE, "127.0.0.1", HttpMethod.GET, "reviews", "/reviews/1",
                Map.of());

        assertThat(read.denied()).isFalse();
        assertThat(read.audited()).isNull();
        assertThat(write.denied()).as("the ALLOW policy does not allow POST").isTrue();
        assertThat(decide(reviews, ADMIN_TOOL, "127.0.0.1", HttpMethod.DELETE, "reviews.shop", "/reviews/1",
                Map.of("x-reason", "spam")).audited()).isEqualTo("ns[shop]-policy[writes]-rule[0]");
    }

    @Test
    void aWorkloadNoAllowPolicySelectsAllowsUnlessTheMeshDefaultDenies() throws Exception {
        assertThat(allowed(inbound("ratings"), null, HttpMethod.POST, "/anything")).isTrue();
        assertThat(allowed(inbound("ratings"), OPS, HttpMethod.GET, "/reviews/internal/x"))
                .as("the namespace-wide DENY policy still applies").isFalse();

        mesh.apply("""
                apiVersion: weft.dev/v1alpha1
                kind: MeshConfig
                metadata: {name: mesh}
                spec: {authorization: {default: DENY}}
                """);

        assertThat(allowed(inbound("ratings"), PRODUCTPAGE, HttpMethod.GET, "/ratings/1")).isFalse();
        assertThat(allowed(inbound("reviews"), PRODUCTPAGE, HttpMethod.GET, "/reviews/1")).isTrue();
    }
}
