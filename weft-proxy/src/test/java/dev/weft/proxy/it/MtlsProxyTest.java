package dev.weft.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.weft.proxy.ProxyServer;
import dev.weft.proxy.config.BootstrapLoader;
import dev.weft.proxy.it.MeshBootstraps.Mode;
import dev.weft.proxy.tls.Credential;
import dev.weft.proxy.tls.MeshPki;
import dev.weft.proxy.tls.Secrets;
import dev.weft.testkit.Processes;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import dev.weft.proxy.config.ProxySnapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sidecar-to-sidecar mTLS over real sockets, configured as the control plane configures it (static bootstraps
 * here: ROOTCA in static_resources.secrets, each proxy's SVID provided locally as "default"): a client proxy
 * calls a server proxy through transport_socket_matches; the server refuses plaintext (STRICT) or takes both
 * on one port (PERMISSIVE); the client refuses a server that is another service; certificates rotate without
 * breaking open connections; curl and openssl see what a peer sees.
 */
class MtlsProxyTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String CURL = "/usr/bin/curl";
    private static final String OPENSSL = "/usr/bin/openssl";

    @TempDir
    Path dir;
    private MeshPki pki;
    private ModelServer app;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void mesh() throws Exception {
        pki = MeshPki.open(dir.resolve("ca"), MeshPki.TRUST_DOMAIN);
        app = ModelServer.start(ModelServerConfig.builder().instanceId("app").build());
        resources.add(app);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    @Test
    void aClientProxyCallsAServerProxyOverMtlsOnceEachHasItsCertificate() throws Exception {
        ProxyServer server = ProxyServer.start(BootstrapLoader.build(MeshBootstraps.bootstrap(
                List.of(MeshBootstraps.inbound(Mode.STRICT)), List.of(MeshBootstraps.plainCluster("app", app.port())),
                List.of(pki.rootCa()))), 2);
        resources.add(server::close);

        assertThat(server.configured()).as("warming: no certificate yet").isNotDone();
        assertThat(adminGet(server, "/ready").statusCode()).isEqualTo(503);
        server.secrets().provideLocally(Secrets.DEFAULT, pki.svid("default", "reviews").secret(Secrets.DEFAULT));
        server.configured().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(adminGet(server, "/ready").statusCode()).isEqualTo(200);

        ProxyServer client = clientProxy(server.port("inbound"), true, List.of(pki.id("default", "reviews")),
                pki.svid("default", "productpage"));
        HttpResponse<String> r = get(client.port("outbound"), "/status/200");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-model-server-instance")).hasValue("app");
        await().atMost(WAIT).untilAsserted(() -> assertThat(server.stats().value("http.inbound.downstream_rq_2xx")).isEqualTo(1));
    }

    @Test
    void strictRefusesAPlaintextClientAndServesAnMtlsOne() throws Exception {
        assumeTool(CURL);
        ProxyServer server = serverProxy(Mode.STRICT, pki.svid("default", "reviews"));
        int port = server.port("inbound");
        Credential client = pki.svid("default", "productpage");
        Path cert = Files.writeString(dir.resolve("client.pem"), client.chainPem());
        Path key = Files.writeString(dir.resolve("client.key"), client.keyPem());

        Processes.Result plaintext = Processes.run(WAIT, List.of(CURL, "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                "--max-time", "5", "http://127.0.0.1:" + port + "/status/200"));
        Processes.Result mtls = Processes.run(WAIT, List.of(CURL, "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                "--max-time", "5", "-k", "--cert", cert.toString(), "--key", key.toString(),
                "https://127.0.0.1:" + port + "/status/200"));

        assertThat(plaintext.exitCode()).as("curl over plaintext: %s", plaintext.stderr()).isNotZero();
        assertThat(plaintext.stdout()).isEqualTo("000");
        assertThat(server.stats().value("listener.inbound.ssl.connection_error")).as("the plaintext attempt").isOne();
        assertThat(mtls.exitCode()).as(mtls.stderr()).isZero();
        assertThat(mtls.stdout()).isEqualTo("200");
        await().atMost(WAIT).untilAsserted(() -> assertThat(server.stats().value("http.inbound.downstream_rq_2xx")).isEqualTo(1));
    }

    @Test
    void aHandshakeIsRefusedForEveryCertificateThatIsNotAValidSvidOfTheTrustDomain() throws Exception {
        ProxyServer server = serverProxy(Mode.STRICT, pki.svid("default", "reviews"));
        int port = server.port("inbound");
        MeshPki untrusted = MeshPki.open(dir.resolve("untrusted"), MeshPki.TRUST_DOMAIN);
        String id = pki.id("default", "productpage");
        java.time.Instant now = java.time.Instant.now();

        assertThat(tlsGet(port, pki.svid("default", "productpage"))).as("a valid SVID").startsWith("HTTP/1.1 200");
        List<Object[]> refused = List.of(
                new Object[] {"two URI SANs", pki.leaf().uri(id).uri(pki.id("default", "reviews")).build()},
                new Object[] {"a CA certificate as leaf", pki.leaf().uri(id).ca().build()},
                new Object[] {"an expired certificate", pki.leaf().uri(id).validity(now.minusSeconds(7200), now.minusSeconds(60)).build()},
                new Object[] {"another trust domain", pki.leaf().uri("spiffe://example.org/ns/default/sa/productpage").build()},
                new Object[] {"an untrusted root", untrusted.svid("default", "productpage")});
        for (Object[] c : refused) {
            assertThatThrownBy(() -> tlsGet(port, (Credential) c[1])).as((String) c[0]).isInstanceOf(IOException.class);
        }
        assertThat(server.stats().value("http.inbound.downstream_rq_total")).as("only the valid SVID got through").isEqualTo(1);
        assertThat(server.stats().value("listener.inbound.ssl.handshake")).isEqualTo(1);
        await().atMost(WAIT).untilAsserted(() -> assertThat(server.stats().value("listener.inbound.ssl.connection_error"))
                .isEqualTo(refused.size()));
    }

    @Test
    void aTls11ClientIsRefused() throws Exception {
        Assumptions.assumeTrue(OpenSsl.isAvailable(), "a TLS 1.1 client needs BoringSSL (the JDK disables TLS 1.1)");
        ProxyServer server = serverProxy(Mode.STRICT, pki.svid("default", "reviews"));
        Credential client = pki.svid("default", "productpage");

        assertThat(nettyHandshake(server.port("inbound"), client, "TLSv1.2")).as("TLS 1.2 is accepted").isNull();
        Throwable refused = nettyHandshake(server.port("inbound"), client, "TLSv1.1");
        assertThat(refused).isNotNull();
        assertThat(refused.toString()).containsIgnoringCase("PROTOCOL_VERSION");
    }

    @Test
    void aClusterRefusesAServerThatIsAnotherService() throws Exception {
        // the server proxy is "ratings"; the client expects "reviews"
        ProxyServer server = serverProxy(Mode.STRICT, pki.svid("default", "ratings"));
        ProxyServer client = clientProxy(server.port("inbound"), true, List.of(pki.id("default", "reviews")),
                pki.svid("default", "productpage"));

        HttpResponse<String> r = get(client.port("outbound"), "/status/200");

        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("x-weft-error")).hasValue("upstream_connect_failure");
        assertThat(client.stats().value("cluster.svc.upstream_cx_connect_fail")).isPositive();
        assertThat(server.stats().value("http.inbound.downstream_rq_total")).isZero();
    }

    @Test
    void permissiveServesPlaintextAndMtlsOnTheSamePort() throws Exception {
        ProxyServer server = serverProxy(Mode.PERMISSIVE, pki.svid("default", "reviews"));
        int port = server.port("inbound");
        ProxyServer mtlsClient = clientProxy(port, true, List.of(pki.id("default", "reviews")), pki.svid("default", "productpage"));
        ProxyServer plainClient = clientProxy(port, false, List.of(pki.id("default", "reviews")), pki.svid("default", "productpage"));

        assertThat(get(port, "/status/200").statusCode()).as("a plaintext client").isEqualTo(200);
        assertThat(get(mtlsClient.port("outbound"), "/status/200").statusCode()).as("a sidecar over mTLS").isEqualTo(200);
        assertThat(get(plainClient.port("outbound"), "/status/200").statusCode()).as("a sidecar to a plaintext endpoint")
                .isEqualTo(200);
        assertThat(tlsGet(port, pki.svid("default", "productpage"))).startsWith("HTTP/1.1 200");
        await().atMost(WAIT).untilAsserted(() -> assertThat(server.stats().value("http.inbound.downstream_rq_2xx")).isEqualTo(4));
    }

    @Test
    void anEndpointThatTurnsToMtlsGetsNewConnectionsInsteadOfItsPooledPlaintextOne() throws Exception {
        // PERMISSIVE, with the plaintext chain routed to another app, so a response says which chain served it
        ModelServer plainApp = ModelServer.start(ModelServerConfig.builder().instanceId("plain").build());
        resources.add(plainApp);
        Listener permissive = MeshBootstraps.inbound(Mode.PERMISSIVE);
        Listener split = permissive.toBuilder().setFilterChains(1, permissive.getFilterChains(1).toBuilder()
                .setFilters(0, MeshBootstraps.hcm("inbound", "plain-app"))).build();
        ProxyServer server = ProxyServer.start(BootstrapLoader.build(MeshBootstraps.bootstrap(List.of(split),
                List.of(MeshBootstraps.plainCluster("app", app.port()), MeshBootstraps.plainCluster("plain-app", plainApp.port())),
                List.of(pki.rootCa()))), 2);
        resources.add(server::close);
        server.secrets().provideLocally(Secrets.DEFAULT, pki.svid("default", "reviews").secret(Secrets.DEFAULT));
        server.configured().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        int port = server.port("inbound");
        Credential productpage = pki.svid("default", "productpage");
        ProxyServer client = clientProxy(port, false, List.of(pki.id("default", "reviews")), productpage);

        assertThat(get(client.port("outbound"), "/status/200").headers().firstValue("x-model-server-instance")).hasValue("plain");

        // the control plane learns the endpoint is an authenticated sidecar: same cluster, endpoint metadata tlsMode weft
        Cluster svc = MeshBootstraps.meshCluster("svc", "reviews.default", List.of(pki.id("default", "reviews")))
                .setLoadAssignment(MeshBootstraps.assignment("svc", MeshBootstraps.endpoint(port, true))).build();
        ProxySnapshot next = BootstrapLoader.build(MeshBootstraps.bootstrap(List.of(MeshBootstraps.outbound()), List.of(svc),
                List.of(pki.rootCa())));
        next.secrets().provideLocally(Secrets.DEFAULT, productpage.secret(Secrets.DEFAULT));
        client.apply(next);

        for (int i = 0; i < 3; i++) {
            assertThat(get(client.port("outbound"), "/status/200").headers().firstValue("x-model-server-instance"))
                    .as("request %d after the change", i).hasValue("app");
        }
        assertThat(client.stats().value("cluster.svc.upstream_cx_total")).as("one plaintext, one mTLS connection").isEqualTo(2);
    }

    @Test
    void aNewCertificateServesNewHandshakesWhileAnOpenConnectionCarriesOn() throws Exception {
        ProxyServer server = serverProxy(Mode.STRICT, pki.svid("default", "reviews"));
        int port = server.port("inbound");
        Credential client = pki.svid("default", "productpage");

        try (SSLSocket open = connect(port, client)) {
            BigInteger before = serverSerial(open);
            assertThat(exchange(open, false)).startsWith("HTTP/1.1 200");

            Credential renewed = pki.svid("default", "reviews");
            server.secrets().provideLocally(Secrets.DEFAULT, renewed.secret(Secrets.DEFAULT));

            assertThat(exchange(open, false)).as("the open connection").startsWith("HTTP/1.1 200");
            assertThat(serverSerial(open)).isEqualTo(before);
            try (SSLSocket fresh = connect(port, client)) {
                assertThat(serverSerial(fresh)).as("a new handshake").isEqualTo(renewed.leaf().getSerialNumber());
                assertThat(exchange(fresh, true)).startsWith("HTTP/1.1 200");
            }
        }
    }

    @Test
    void opensslSeesTheServedChainAndItsSingleUriSan() throws Exception {
        assumeTool(OPENSSL);
        Credential reviews = pki.svid("default", "reviews");
        ProxyServer server = serverProxy(Mode.STRICT, reviews);
        Credential client = pki.svid("default", "productpage");
        Path cert = Files.writeString(dir.resolve("client.pem"), client.chainPem());
        Path key = Files.writeString(dir.resolve("client.key"), client.keyPem());
        Path roots = Files.writeString(dir.resolve("roots.pem"), pki.bundle().toPem());

        Processes.Result s = Processes.run(WAIT, List.of(OPENSSL, "s_client", "-connect", "127.0.0.1:" + server.port("inbound"),
                "-cert", cert.toString(), "-key", key.toString(), "-CAfile", roots.toString(), "-showcerts",
                "-verify_return_error"));

        assertThat(s.stdout()).as(s.stderr()).contains("Verify return code: 0 (ok)");
        List<String> served = pems(s.stdout());
        assertThat(served).as("the chain: the SVID, then its issuer").hasSize(reviews.chain().size());
        assertThat(served.get(0).replaceAll("\\s", "")).isEqualTo(dev.weft.ca.Pem.encode(List.of(reviews.leaf())).replaceAll("\\s", ""));
        Path leaf = Files.writeString(dir.resolve("served.pem"), served.get(0));
        Processes.Result san = Processes.run(WAIT, List.of(OPENSSL, "x509", "-in", leaf.toString(), "-noout", "-ext",
                "subjectAltName"));
        assertThat(san.exitCode()).as(san.stderr()).isZero();
        assertThat(san.stdout()).contains("URI:" + pki.id("default", "reviews"));
        assertThat(Pattern.compile("URI:").matcher(san.stdout()).results().count()).as(san.stdout()).isEqualTo(1);
        assertThat(san.stdout()).doesNotContain("DNS:", "IP Address:");

        Processes.Result tls11 = Processes.run(WAIT, List.of(OPENSSL, "s_client", "-connect", "127.0.0.1:" + server.port("inbound"),
                "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0", "-cert", cert.toString(), "-key", key.toString()));
        assertThat(tls11.exitCode()).as("openssl s_client -tls1_1").isNotZero();
        assertThat(tls11.stdout()).contains("no peer certificate available", "Cipher is (NONE)");
        assertThat(tls11.stderr()).contains("alert protocol version");
    }

    // ---- proxies

    private ProxyServer serverProxy(Mode mode, Credential svid) throws Exception {
        ProxyServer server = ProxyServer.start(BootstrapLoader.build(MeshBootstraps.bootstrap(
                List.of(MeshBootstraps.inbound(mode)), List.of(MeshBootstraps.plainCluster("app", app.port())),
                List.of(pki.rootCa()))), 2);
        resources.add(server::close);
        server.secrets().provideLocally(Secrets.DEFAULT, svid.secret(Secrets.DEFAULT));
        server.configured().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        return server;
    }

    /** A client sidecar whose cluster "svc" has one endpoint, the server proxy, with or without tlsMode weft. */
    private ProxyServer clientProxy(int inboundPort, boolean mtls, List<String> expected, Credential svid) throws Exception {
        Cluster svc = MeshBootstraps.meshCluster("svc", "reviews.default", expected)
                .setLoadAssignment(MeshBootstraps.assignment("svc", MeshBootstraps.endpoint(inboundPort, mtls)))
                .build();
        ProxyServer client = ProxyServer.start(BootstrapLoader.build(MeshBootstraps.bootstrap(
                List.of(MeshBootstraps.outbound()), List.of(svc), List.of(pki.rootCa()))), 2);
        resources.add(client::close);
        client.secrets().provideLocally(Secrets.DEFAULT, svid.secret(Secrets.DEFAULT));
        client.configured().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        return client;
    }

    // ---- clients

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> adminGet(ProxyServer proxy, String path) throws Exception {
        return get(proxy.adminPort(), path);
    }

    private static SSLSocket connect(int port, Credential credential) throws Exception {
        SSLSocket s = (SSLSocket) credential.clientContext().getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout((int) WAIT.toMillis());
        s.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        s.startHandshake();
        return s;
    }

    /** One HTTP/1.1 GET over a TLS connection presenting {@code credential}; the response, or the failure. */
    private static String tlsGet(int port, Credential credential) throws Exception {
        try (SSLSocket s = connect(port, credential)) {
            return exchange(s, true);
        }
    }

    /** Sends a GET and reads one response (headers and the Content-Length body). */
    private static String exchange(SSLSocket s, boolean close) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(("GET /status/200 HTTP/1.1\r\nHost: reviews\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after " + head.length() + " bytes: " + head);
            }
            head.append((char) b);
        }
        Matcher m = Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
        in.readNBytes(length);
        return head.toString();
    }

    private static BigInteger serverSerial(SSLSocket s) throws Exception {
        return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }

    /** A handshake by a BoringSSL client limited to {@code protocol}; null when it succeeded, else why it failed. */
    private static Throwable nettyHandshake(int port, Credential credential, String protocol) throws Exception {
        SslContext ctx = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL).protocols(protocol)
                .keyManager(credential.key(), credential.chain().toArray(new X509Certificate[0]))
                .trustManager(Credential.TRUST_ANY).endpointIdentificationAlgorithm(null).build();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            // made here, not looked up later: a failed handshake closes the channel and empties its pipeline
            SslHandler ssl = ctx.newHandler(ByteBufAllocator.DEFAULT, "127.0.0.1", port);
            Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline().addLast(ssl);
                        }
                    })
                    .connect("127.0.0.1", port).sync().channel();
            Future<Channel> handshake = ssl.handshakeFuture();
            handshake.await(WAIT.toMillis());
            ch.close().sync();
            return handshake.isSuccess() ? null : handshake.cause();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static List<String> pems(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----").matcher(text);
        while (m.find()) {
            out.add(m.group() + "\n");
        }
        return out;
    }

    private static void assumeTool(String path) {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(path)), path + " is not installed");
    }
}
