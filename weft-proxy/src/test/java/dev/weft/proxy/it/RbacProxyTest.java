package dev.weft.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * RBAC filters on a real listener, configured in a static bootstrap: allowed requests reach the
 * upstream, denied ones get 403 rbac_denied (gRPC: PERMISSION_DENIED) from the proxy without
 * anything going upstream, over HTTP/1.1, HTTP/2 and gRPC, and the stats count both. Principals
 * from client certificates are covered by the unit tests (rbac package); here the rules are on
 * method, path and headers, which a plaintext connection carries.
 */
class RbacProxyTest {
    private static final String RBAC = "\"@type\": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC";
    private static final String NO_ADMIN = "ns[default]-policy[no-admin]-rule[0]";
    private static final String READERS = "ns[default]-policy[readers]-rule[0]";
    private static final String WRITERS = "ns[default]-policy[writers]-rule[0]";
    private static final String AUDIT = "ns[default]-policy[audit-writes]-rule[0]";
    /** The control plane's three filters: DENY, ALLOW, LOG, in that order. */
    private static final String FILTERS = """
            - name: weft.authz.deny
              typed_config:
                %1$s
                rules:
                  action: DENY
                  policies:
                    "%2$s":
                      permissions: [{url_path: {path: {prefix: /admin}}}]
                      principals: [{any: true}]
            - name: weft.authz.allow
              typed_config:
                %1$s
                rules:
                  action: ALLOW
                  policies:
                    "%3$s":
                      permissions:
                      - and_rules:
                          rules:
                          - or_rules:
                              rules:
                              - {header: {name: ":method", string_match: {exact: GET}}}
                              - {header: {name: ":method", string_match: {exact: HEAD}}}
                          - {url_path: {path: {prefix: /api/}}}
                      principals: [{any: true}]
                    "%4$s":
                      permissions: [{header: {name: ":method", string_match: {exact: POST}}}]
                      principals: [{header: {name: x-token, string_match: {exact: letmein}}}]
            - name: weft.authz.audit
              typed_config:
                %1$s
                rules:
                  action: LOG
                  policies:
                    "%5$s":
                      permissions: [{not_rule: {header: {name: ":method", string_match: {exact: GET}}}}]
                      principals: [{any: true}]
            """.formatted(RBAC, NO_ADMIN, READERS, WRITERS, AUDIT);

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** {@code base} with {@code filters} (YAML list items) before its router. */
    static String withHttpFilters(String base, String filters) {
        String pad = " ".repeat(10);
        return base.replace(pad + "http_filters:\n", pad + "http_filters:\n" + Bootstraps.indent(filters, 10));
    }

    private static String bootstrap(int upstreamPort, boolean http2) {
        return withHttpFilters(Bootstraps.of(Bootstraps.routeTo("backend", ""),
                Bootstraps.cluster("backend", http2, "", upstreamPort)), FILTERS);
    }

    private HttpResponse<String> send(ProxyFixture proxy, String method, String path, String body, String... headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(proxy.uri(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertDenied(HttpResponse<String> r) {
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.headers().firstValue("x-weft-error")).hasValue("rbac_denied");
        assertThat(r.body()).as("Envoy's wording, no policy name").isEqualTo("RBAC: access denied");
    }

    @Test
    void http11AllowedRequestsReachTheUpstreamAndDeniedOnesNeverDo() throws Exception {
        try (ScriptedUpstream up = ScriptedUpstream.ok("hello");
             ProxyFixture proxy = ProxyFixture.start(bootstrap(up.port(), false))) {
            HttpResponse<String> read = send(proxy, "GET", "/api/items?limit=3", null);
            HttpResponse<String> writeWithoutToken = send(proxy, "POST", "/api/items", "{\"name\": \"x\"}");
            HttpResponse<String> writeWithToken = send(proxy, "POST", "/api/items", "{\"name\": \"y\"}", "x-token", "letmein");
            HttpResponse<String> admin = send(proxy, "GET", "/admin/users", null);
            HttpResponse<String> adminWithToken = send(proxy, "POST", "/admin/users", "z", "x-token", "letmein");
            HttpResponse<String> elsewhere = send(proxy, "GET", "/other", null);
            HttpResponse<String> afterDenials = send(proxy, "GET", "/api/items", null);

            assertThat(read.statusCode()).isEqualTo(200);
            assertThat(read.body()).isEqualTo("hello");
            assertDenied(writeWithoutToken);
            assertThat(writeWithToken.statusCode()).isEqualTo(200);
            assertDenied(admin);
            assertDenied(adminWithToken);
            assertDenied(elsewhere);
            assertThat(afterDenials.statusCode()).isEqualTo(200);
            assertThat(up.seen()).extracting(ScriptedUpstream.Seen::method, ScriptedUpstream.Seen::uri)
                    .as("only the allowed requests went upstream")
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("GET", "/api/items?limit=3"),
                            org.assertj.core.groups.Tuple.tuple("POST", "/api/items"),
                            org.assertj.core.groups.Tuple.tuple("GET", "/api/items"));
            assertThat(new String(up.seen().get(1).body(), StandardCharsets.UTF_8)).isEqualTo("{\"name\": \"y\"}");

            assertThat(proxy.stat("http.main.rbac.allowed")).isEqualTo(3);
            assertThat(proxy.stat("http.main.rbac.denied")).isEqualTo(4);
            assertThat(proxy.stat("http.main.rbac.policy." + NO_ADMIN + ".denied")).isEqualTo(2);
            assertThat(proxy.stat("http.main.rbac.policy." + READERS + ".allowed")).isEqualTo(2);
            assertThat(proxy.stat("http.main.rbac.policy." + WRITERS + ".allowed")).isEqualTo(1);
            assertThat(proxy.stat("http.main.rbac.policy." + AUDIT + ".audited"))
                    .as("the allowed POST; denied requests never reached the LOG filter").isEqualTo(1);
            assertThat(proxy.stat("http.main.weft_error.rbac_denied")).isEqualTo(4);
            assertThat(proxy.stat("http.main.downstream_rq_4xx")).isEqualTo(4);
            assertThat(proxy.stat("cluster.backend.upstream_rq_total")).isEqualTo(3);
        }
    }

    @Test
    void aDeniedHeadRequestGetsTheStatusWithoutABody() throws Exception {
        try (ScriptedUpstream up = ScriptedUpstream.ok("hello");
             ProxyFixture proxy = ProxyFixture.start(bootstrap(up.port(), false))) {
            HttpResponse<String> head = send(proxy, "HEAD", "/admin", null);

            assertThat(head.statusCode()).isEqualTo(403);
            assertThat(head.headers().firstValue("x-weft-error")).hasValue("rbac_denied");
            assertThat(head.body()).isEmpty();
            assertThat(up.requests()).isZero();
        }
    }

    @Test
    void http2StreamsAreDecidedOneByOne() throws Exception {
        try (ScriptedUpstream up = ScriptedUpstream.ok("hello");
             ProxyFixture proxy = ProxyFixture.start(bootstrap(up.port(), false));
             H2cClient h2 = H2cClient.connect(proxy.port())) {
            H2cClient.Response denied = h2.send("POST", "/admin/x", Map.of(), "body".getBytes(StandardCharsets.UTF_8))
                    .get(10, TimeUnit.SECONDS);
            H2cClient.Response allowed = h2.send("GET", "/api/x", Map.of(), null).get(10, TimeUnit.SECONDS);

            assertThat(denied.status()).isEqualTo(403);
            assertThat(denied.headers()).containsEntry("x-weft-error", "rbac_denied");
            assertThat(denied.bodyText()).isEqualTo("RBAC: access denied");
            assertThat(allowed.status()).isEqualTo(200);
            assertThat(allowed.bodyText()).isEqualTo("hello");
            assertThat(up.seen()).extracting(ScriptedUpstream.Seen::uri).containsExactly("/api/x");
            assertThat(proxy.stat("http.main.rbac.denied")).isEqualTo(1);
            assertThat(proxy.stat("http.main.rbac.allowed")).isEqualTo(1);
        }
    }

    // ---- gRPC

    private static final String SERVICE = "weft.test.Vault";
    private static final MethodDescriptor.Marshaller<String> UTF8 = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    private static final MethodDescriptor<String, String> READ = unary("Read");
    private static final MethodDescriptor<String, String> OPEN = unary("Open");
    private static final Metadata.Key<String> X_WEFT_ERROR = Metadata.Key.of("x-weft-error", Metadata.ASCII_STRING_MARSHALLER);

    private static MethodDescriptor<String, String> unary(String name) {
        return MethodDescriptor.<String, String>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
                .setRequestMarshaller(UTF8)
                .setResponseMarshaller(UTF8)
                .build();
    }

    @Test
    void aDeniedGrpcCallIsPermissionDeniedAndNeverReachesTheServer() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        AtomicInteger opens = new AtomicInteger();
        ServerServiceDefinition vault = ServerServiceDefinition.builder(SERVICE)
                .addMethod(READ, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> {
                    reads.incrementAndGet();
                    out.onNext("read " + req);
                    out.onCompleted();
                }))
                .addMethod(OPEN, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> {
                    opens.incrementAndGet();
                    out.onNext("opened " + req);
                    out.onCompleted();
                }))
                .build();
        String allowReads = """
                - name: weft.authz.allow
                  typed_config:
                    %s
                    rules:
                      action: ALLOW
                      policies:
                        "ns[default]-policy[vault-readers]-rule[0]":
                          permissions: [{url_path: {path: {exact: /weft.test.Vault/Read}}}]
                          principals: [{any: true}]
                """.formatted(RBAC);
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .addService(vault).build().start();
        ManagedChannel channel = null;
        try (ProxyFixture proxy = ProxyFixture.start(withHttpFilters(Bootstraps.of(Bootstraps.routeTo("grpc", ""),
                Bootstraps.cluster("grpc", true, "", server.getPort())), allowReads))) {
            channel = NettyChannelBuilder.forAddress("127.0.0.1", proxy.port()).usePlaintext().build();
            ManagedChannel viaProxy = channel;

            String read = ClientCalls.blockingUnaryCall(viaProxy, READ, CallOptions.DEFAULT, "a");
            StatusRuntimeException open = catchThrowableOfType(StatusRuntimeException.class,
                    () -> ClientCalls.blockingUnaryCall(viaProxy, OPEN, CallOptions.DEFAULT, "b"));
            String readAgain = ClientCalls.blockingUnaryCall(viaProxy, READ, CallOptions.DEFAULT, "c");

            assertThat(read).isEqualTo("read a");
            assertThat(open.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(open.getStatus().getDescription()).isEqualTo("RBAC: access denied");
            assertThat(open.getTrailers().get(X_WEFT_ERROR)).isEqualTo("rbac_denied");
            assertThat(readAgain).as("the connection goes on serving").isEqualTo("read c");
            assertThat(opens).as("the denied call never reached the server").hasValue(0);
            assertThat(reads).hasValue(2);
            assertThat(proxy.stat("http.main.rbac.denied")).isEqualTo(1);
            assertThat(proxy.stat("http.main.rbac.allowed")).isEqualTo(2);
            assertThat(proxy.stat("http.main.rbac.policy.ns[default]-policy[vault-readers]-rule[0].allowed")).isEqualTo(2);
        } finally {
            if (channel != null) {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
