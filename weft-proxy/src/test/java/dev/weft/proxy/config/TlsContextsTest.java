package dev.weft.proxy.config;

import static dev.weft.proxy.config.BootstrapLoaderTest.MINIMAL;
import static dev.weft.proxy.config.BootstrapLoaderTest.replaceOnce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS listeners and clusters, with PEM files made by openssl; handshakes run engine to engine in memory. */
class TlsContextsTest {
    private static final String LISTENER_TLS = "static_resources.listeners[0].filter_chains[0].transport_socket.typed_config";
    private static final String CLUSTER_TLS = "static_resources.clusters[0].transport_socket.typed_config";

    @TempDir
    static Path dir;
    static TestPki pki;

    private final TestWiring wiring = new TestWiring();

    @BeforeAll
    static void makeCertificates() throws Exception {
        pki = new TestPki(dir);
    }

    @Test
    void mutualTlsListenerAndAlpnClusterNegotiateH2() throws Exception {
        ProxySnapshot snapshot = wiring.parse(config(
                listenerTls("server", "require_client_certificate: true", trustedCa("ca")),
                clusterTls("sni: backend.example", "client", trustedCa("ca")) + AUTO_CONFIG));
        SslContext server = snapshot.listeners().get(0).tls();
        ClusterSpec cluster = snapshot.clusters().get("backend");

        assertThat(server.isServer()).isTrue();
        assertThat(cluster.tls().isClient()).isTrue();
        assertThat(cluster.protocol()).isEqualTo(ClusterSpec.UpstreamProtocol.ALPN);
        assertThat(cluster.sni()).isEqualTo("backend.example");
        SSLEngine clientEngine = cluster.tls().newEngine(ByteBufAllocator.DEFAULT, "backend.example", 443);
        SSLEngine serverEngine = server.newEngine(ByteBufAllocator.DEFAULT);
        handshake(clientEngine, serverEngine);
        assertThat(clientEngine.getApplicationProtocol()).isEqualTo("h2");
        assertThat(((X509Certificate) serverEngine.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName())
                .isEqualTo("CN=weft-client");
    }

    @Test
    void http1ListenerOffersOnlyHttp11() throws Exception {
        ProxySnapshot snapshot = wiring.parse(replaceOnce(
                config(listenerTls("server", "", ""), clusterTls("", "", "") + AUTO_CONFIG),
                "stat_prefix: ingress", "stat_prefix: ingress\n          codec_type: HTTP1"));

        SSLEngine clientEngine = snapshot.clusters().get("backend").tls().newEngine(ByteBufAllocator.DEFAULT);
        handshake(clientEngine, snapshot.listeners().get(0).tls().newEngine(ByteBufAllocator.DEFAULT));

        assertThat(clientEngine.getApplicationProtocol()).isEqualTo("http/1.1");
    }

    @Test
    void clusterWithoutTrustedCaAcceptsAnyServer() throws Exception {
        ProxySnapshot snapshot = wiring.parse(config(listenerTls("rsa", "", ""), clusterTls("", "", "")));

        assertThat(snapshot.clusters().get("backend").protocol()).isEqualTo(ClusterSpec.UpstreamProtocol.HTTP1);
        handshake(snapshot.clusters().get("backend").tls().newEngine(ByteBufAllocator.DEFAULT),
                snapshot.listeners().get(0).tls().newEngine(ByteBufAllocator.DEFAULT));
    }

    @Test
    void clusterWithTrustedCaRejectsAServerItDoesNotTrust() throws Exception {
        ProxySnapshot snapshot = wiring.parse(config(listenerTls("server", "", ""), clusterTls("", "", trustedCa("other-ca"))));

        assertThatThrownBy(() -> handshake(snapshot.clusters().get("backend").tls().newEngine(ByteBufAllocator.DEFAULT),
                snapshot.listeners().get(0).tls().newEngine(ByteBufAllocator.DEFAULT)))
                .isInstanceOf(SSLException.class);
    }

    @Test
    void listenerRequiringClientCertificatesRejectsAClientWithout() throws Exception {
        ProxySnapshot snapshot = wiring.parse(config(
                listenerTls("server", "require_client_certificate: true", trustedCa("ca")), clusterTls("", "", trustedCa("ca"))));

        assertThatThrownBy(() -> handshake(snapshot.clusters().get("backend").tls().newEngine(ByteBufAllocator.DEFAULT),
                snapshot.listeners().get(0).tls().newEngine(ByteBufAllocator.DEFAULT)))
                .isInstanceOf(SSLException.class);
    }

    @Test
    void pkcs1AndSec1KeysAreRead() throws Exception {
        for (String name : new String[] {"rsa", "sec1"}) {
            ProxySnapshot snapshot = wiring.parse(config(listenerTls(name, "", ""), clusterTls("", "", trustedCa(name))));

            handshake(snapshot.clusters().get("backend").tls().newEngine(ByteBufAllocator.DEFAULT),
                    snapshot.listeners().get(0).tls().newEngine(ByteBufAllocator.DEFAULT));
        }
    }

    @Test
    void inlinePemIsRead() throws Exception {
        String inline = listenerTls("server", "", "")
                .replace("{ filename: " + pki.path("server.pem") + " }", "{ inline_string: " + yamlString(pki.path("server.pem")) + " }")
                .replace("{ filename: " + pki.path("server.key") + " }", "{ inline_string: " + yamlString(pki.path("server.key")) + " }");

        assertThat(inline).doesNotContain("filename");
        assertThat(wiring.parse(config(inline, "")).listeners().get(0).tls().isServer()).isTrue();
    }

    @Test
    void badPemFileIsReportedWithPathAndFile() throws Exception {
        Path garbage = dir.resolve("garbage.pem");
        Files.writeString(garbage, "not a certificate\n");
        String yaml = config(listenerTls("server", "", ""), "").replace(pki.path("server.pem"), garbage.toString());

        assertThatThrownBy(() -> wiring.parse(yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessage(LISTENER_TLS + ".common_tls_context.tls_certificates[0].certificate_chain: no PEM certificate in " + garbage);
    }

    @Test
    void corruptPemCertificateIsReportedWithPathAndFile() throws Exception {
        Path corrupt = dir.resolve("corrupt.pem");
        Files.writeString(corrupt, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        String yaml = config("", clusterTls("", "", trustedCa("ca"))).replace(pki.path("ca.pem"), corrupt.toString());

        assertThatThrownBy(() -> wiring.parse(yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(CLUSTER_TLS + ".common_tls_context.validation_context.trusted_ca: bad PEM certificate in " + corrupt);
    }

    @Test
    void missingKeyFileIsReportedWithPathAndFile() {
        String yaml = config(listenerTls("server", "", ""), "").replace(pki.path("server.key"), pki.path("none.key"));

        assertThatThrownBy(() -> wiring.parse(yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessage(LISTENER_TLS + ".common_tls_context.tls_certificates[0].private_key.filename: cannot read "
                        + pki.path("none.key") + ": no such file");
    }

    @Test
    void keyOfAnotherCertificateIsRejected() {
        String yaml = config(listenerTls("server", "", ""), "").replace(pki.path("server.key"), pki.path("client.key"));

        assertThatThrownBy(() -> wiring.parse(yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessage(LISTENER_TLS + ".common_tls_context.tls_certificates[0].private_key: does not match the first certificate of "
                        + pki.path("server.pem"));
    }

    @Test
    void requiringClientCertificatesNeedsATrustedCa() {
        assertThatThrownBy(() -> wiring.parse(config(listenerTls("server", "require_client_certificate: true", ""), "")))
                .isInstanceOf(ConfigException.class)
                .hasMessage(LISTENER_TLS + ".require_client_certificate: needs common_tls_context.validation_context.trusted_ca "
                        + "(or a validation context secret) to verify client certificates");
    }

    @Test
    void upstreamContextOnAListenerIsRejected() {
        String yaml = config(listenerTls("server", "", ""), "").replace("DownstreamTlsContext", "UpstreamTlsContext");

        assertThatThrownBy(() -> wiring.parse(yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessage(LISTENER_TLS + ": expected envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext, "
                        + "got type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext");
    }

    // ---- config fragments, indented for MINIMAL

    private static final String AUTO_CONFIG = String.join("\n", "",
            "    typed_extension_protocol_options:",
            "      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:",
            "        \"@type\": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
            "        auto_config: {}");

    private static String config(String listenerTls, String clusterTls) {
        String yaml = listenerTls.isEmpty() ? MINIMAL : replaceOnce(MINIMAL, "    - filters:", listenerTls + "      filters:");
        return clusterTls.isEmpty() ? yaml : replaceOnce(yaml, "connect_timeout: 1s", "connect_timeout: 1s" + clusterTls);
    }

    /** A filter chain's transport_socket with the named certificate, opening a filter_chains item. */
    private static String listenerTls(String cert, String extra, String validation) {
        return """
                    - transport_socket:
                        name: envoy.transport_sockets.tls
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                          %s
                          common_tls_context:
                            tls_certificates:
                            - certificate_chain: { filename: %s }
                              private_key: { filename: %s }
                            %s
                """.formatted(extra, pki.path(cert + ".pem"), pki.path(cert + ".key"), validation);
    }

    /** A cluster's transport_socket, to follow its connect_timeout line. */
    private static String clusterTls(String extra, String cert, String validation) {
        return String.join("\n", "",
                "    transport_socket:",
                "      name: envoy.transport_sockets.tls",
                "      typed_config:",
                "        \"@type\": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
                "        " + extra,
                "        common_tls_context:",
                cert.isEmpty() ? "" : "          tls_certificates: [{ certificate_chain: { filename: " + pki.path(cert + ".pem")
                        + " }, private_key: { filename: " + pki.path(cert + ".key") + " } }]",
                "          " + validation);
    }

    private static String trustedCa(String ca) {
        return "validation_context: { trusted_ca: { filename: " + pki.path(ca + ".pem") + " } }";
    }

    private static String yamlString(String file) throws Exception {
        return "\"" + Files.readString(Path.of(file)).replace("\n", "\\n") + "\"";
    }

    /** Runs a TLS handshake between two engines, passing records in memory; throws what the handshake throws. */
    private static void handshake(SSLEngine client, SSLEngine server) throws SSLException {
        client.setUseClientMode(true);
        ByteBuffer clientToServer = ByteBuffer.allocate(1 << 16);
        ByteBuffer serverToClient = ByteBuffer.allocate(1 << 16);
        client.beginHandshake();
        server.beginHandshake();
        for (int step = 0; step < 100; step++) {
            if (done(client) && done(server)) {
                return;
            }
            advance(client, serverToClient, clientToServer);
            advance(server, clientToServer, serverToClient);
        }
        throw new AssertionError("handshake did not finish: client " + client.getHandshakeStatus()
                + ", server " + server.getHandshakeStatus());
    }

    private static boolean done(SSLEngine engine) {
        HandshakeStatus s = engine.getHandshakeStatus();
        return s == HandshakeStatus.NOT_HANDSHAKING || s == HandshakeStatus.FINISHED;
    }

    private static void advance(SSLEngine engine, ByteBuffer in, ByteBuffer out) throws SSLException {
        switch (engine.getHandshakeStatus()) {
            case NEED_WRAP -> engine.wrap(ByteBuffer.allocate(0), out);
            case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                in.flip();
                engine.unwrap(in, ByteBuffer.allocate(1 << 16));
                in.compact();
            }
            case NEED_TASK -> {
                for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
                    task.run();
                }
            }
            default -> { }
        }
    }
}
