package dev.weft.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.weft.ca.CertificateAuthority;
import dev.weft.ca.Csr;
import dev.weft.ca.SpiffeId;
import dev.weft.ca.Svid;
import dev.weft.controlplane.api.AdminToken;
import dev.weft.controlplane.client.ControlPlaneClient;
import dev.weft.controlplane.client.ControlPlaneException;
import dev.weft.controlplane.client.UntrustedControlPlaneException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API speaks HTTPS only, with the control plane's SVID, and admits only callers with the admin token. */
class ApiAuthenticationTest {

    @TempDir
    Path dataDir;

    private ControlPlane controlPlane;
    private HttpClient https;

    @BeforeEach
    void start() throws Exception {
        controlPlane = ControlPlane.start(ControlPlaneConfig.defaults(dataDir).withPorts(0, 0));
        https = ApiHttp.pkix(controlPlane);
    }

    @AfterEach
    void stop() {
        controlPlane.close();
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return https.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String method, String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(controlPlane.apiUri().resolve(path));
        return method.equals("GET") ? builder
                : builder.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString("{}"));
    }

    @Test
    void withoutTheTokenEveryEndpointButTheTrustBundleAndHealthIsRefused() throws Exception {
        List<String[]> endpoints = List.of(new String[] {"GET", "/v1/registry"}, new String[] {"GET", "/v1/proxies"},
                new String[] {"GET", "/v1/resources?kind=HTTPRoute"}, new String[] {"POST", "/v1/apply"},
                new String[] {"DELETE", "/v1/resources?kind=HTTPRoute&name=chat"},
                new String[] {"POST", "/v1/instances"}, new String[] {"POST", "/v1/tokens"},
                new String[] {"GET", "/v1/ca"}, new String[] {"POST", "/v1/ca/rotate"},
                new String[] {"GET", "/v2/unknown"});
        for (String[] endpoint : endpoints) {
            // when
            HttpResponse<String> response = send(request(endpoint[0], endpoint[1]));

            // then
            assertThat(response.statusCode()).as("%s %s", endpoint[0], endpoint[1]).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue(
                    "Bearer realm=\"weft-control-plane\"");
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(response.body()).contains("\"error\":\"this endpoint needs the admin token");
        }
        assertThat(send(request("GET", "/v1/trust-bundle")).statusCode()).isEqualTo(200);
        assertThat(send(request("GET", "/healthz")).statusCode()).isEqualTo(200);
        assertThat(controlPlane.certificateAuthority().bundle().roots()).hasSize(1);
    }

    @Test
    void aWrongTokenOrAnotherSchemeIsRefused() throws Exception {
        String token = controlPlane.adminToken().value();

        HttpResponse<String> wrong = send(request("GET", "/v1/registry").header("Authorization", "Bearer nope"));
        HttpResponse<String> prefix = send(request("GET", "/v1/registry")
                .header("Authorization", "Bearer " + token.substring(0, token.length() - 1)));
        HttpResponse<String> basic = send(request("GET", "/v1/registry").header("Authorization", "Basic " + token));

        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.headers().firstValue("WWW-Authenticate"))
                .hasValue("Bearer realm=\"weft-control-plane\", error=\"invalid_token\"");
        assertThat(wrong.body()).isEqualTo("{\"error\":\"the admin token is not valid\"}");
        assertThat(prefix.statusCode()).isEqualTo(401);
        assertThat(basic.statusCode()).isEqualTo(401);
        assertThat(basic.body()).contains("must be 'Bearer <admin token>'");
    }

    @Test
    void theRightTokenOverHttpsIsAcceptedByAStandardClientTrustingTheBundle() throws Exception {
        // when: a plain PKIX client (host name checked against the certificate's IP name) with the roots; the
        // scheme is case-insensitive (RFC 7235)
        HttpResponse<String> response = send(request("GET", "/v1/registry")
                .header("authorization", "bearer " + controlPlane.adminToken().value()));

        // then
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).startsWith("{\"services\":");
        assertThat(response.sslSession()).hasValueSatisfying(s -> assertThat(s.getProtocol()).isEqualTo("TLSv1.3"));
        assertThat(controlPlane.apiUri().toString()).isEqualTo("https://127.0.0.1:" + controlPlane.apiPort());
    }

    @Test
    void plaintextHttpGetsNoAnswer() throws Exception {
        // given
        URI plaintext = URI.create("http://127.0.0.1:" + controlPlane.apiPort() + "/v1/registry");

        // when / then: the JDK client sees the connection end without a response
        assertThatThrownBy(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(plaintext)
                .header("Authorization", "Bearer " + controlPlane.adminToken().value()).build(),
                HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
        // and on the wire: no HTTP response, at most a TLS alert record (content type 21)
        try (Socket socket = new Socket("127.0.0.1", controlPlane.apiPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /v1/registry HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                    + controlPlane.adminToken().value() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] answer = socket.getInputStream().readAllBytes();
            assertThat(new String(answer, StandardCharsets.ISO_8859_1)).doesNotContain("HTTP/");
            if (answer.length > 0) {
                assertThat(answer[0]).isEqualTo((byte) 21);
            }
        }
    }

    @Test
    void theTokenFileIsOwnerOnlyAndKeptAcrossRestarts() throws Exception {
        // given
        Path file = dataDir.resolve(AdminToken.FILE_NAME);
        String token = controlPlane.adminToken().value();

        // when
        controlPlane.close();
        controlPlane = ControlPlane.start(ControlPlaneConfig.defaults(dataDir).withPorts(0, 0));

        // then
        assertThat(token).matches("[A-Za-z0-9_-]{43}");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file).strip()).isEqualTo(token);
        assertThat(controlPlane.adminToken().value()).isEqualTo(token);
        assertThat(controlPlane.client().registry()).isEmpty();
    }

    @Test
    void aTokenFileOthersCanReadStopsTheStart() throws Exception {
        // given
        controlPlane.close();
        Path file = dataDir.resolve(AdminToken.FILE_NAME);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        // when / then
        assertThatThrownBy(() -> controlPlane = ControlPlane.start(ControlPlaneConfig.defaults(dataDir)
                .withPorts(0, 0)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("rw-r--r--")
                .hasMessageContaining("chmod 600");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        controlPlane = ControlPlane.start(ControlPlaneConfig.defaults(dataDir).withPorts(0, 0));
    }

    @Test
    void theClientRefusesAServerWhoseCertificateIsNotFromItsBundle() throws Exception {
        // given: the bundle of another CA
        CertificateAuthority other = CertificateAuthority.builder(dataDir.resolve("other-ca"), "cluster.local")
                .open();
        ControlPlaneClient client = new ControlPlaneClient(controlPlane.apiUri(), controlPlane.adminToken().value(),
                other.bundle());

        // when / then
        assertThatThrownBy(client::registry)
                .isInstanceOfSatisfying(UntrustedControlPlaneException.class,
                        e -> assertThat(e.server()).isEqualTo(controlPlane.apiUri()))
                .hasMessageContaining("did not present a control plane certificate that verifies against the "
                        + "trust bundle");
    }

    @Test
    void theClientRefusesAWorkloadOfTheSameCaPosingAsTheControlPlaneAndSendsItNoToken() throws Exception {
        // given: an HTTPS server presenting a workload SVID from the mesh's own CA
        CertificateAuthority ca = controlPlane.certificateAuthority();
        KeyPair keys = Csr.generateKeyPair();
        SpiffeId chat = new SpiffeId("cluster.local", "default", "chat");
        Svid svid = ca.issue(chat, Csr.create(keys, chat));
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("chat", keys.getPrivate(), new char[0], svid.chain().toArray(X509Certificate[]::new));
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(store, new char[0]);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keyManagers.getKeyManagers(), null, null);
        HttpsServer impostor = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        impostor.setHttpsConfigurator(new HttpsConfigurator(tls));
        AtomicInteger requests = new AtomicInteger();
        impostor.createContext("/", exchange -> {
            requests.incrementAndGet();
            try (exchange; InputStream in = exchange.getRequestBody(); OutputStream out = exchange.getResponseBody()) {
                in.readAllBytes();
                exchange.sendResponseHeaders(200, 2);
                out.write("{}".getBytes(StandardCharsets.US_ASCII));
            }
        });
        impostor.start();
        try {
            ControlPlaneClient client = new ControlPlaneClient(
                    URI.create("https://127.0.0.1:" + impostor.getAddress().getPort()), "the-admin-token", ca.bundle());

            // when / then
            assertThatThrownBy(client::registry)
                    .isInstanceOf(UntrustedControlPlaneException.class)
                    .hasMessageContaining("the peer is spiffe://cluster.local/ns/default/sa/chat, expected "
                            + "spiffe://cluster.local/ns/weft-system/sa/weft-control-plane");
            assertThat(requests).hasValue(0);
        } finally {
            impostor.stop(0);
        }
    }

    @Test
    void theClientSpeaksHttpsOnly() {
        assertThatThrownBy(() -> new ControlPlaneClient(URI.create("http://127.0.0.1:18080"), "t",
                controlPlane.certificateAuthority().bundle()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected https://HOST:PORT");
    }

    @Test
    void noWorkloadGetsAJoinTokenForTheControlPlanesIdentity() {
        assertThatThrownBy(() -> controlPlane.client().createToken("weft-system", "weft-control-plane",
                Duration.ofMinutes(1)))
                .isInstanceOfSatisfying(ControlPlaneException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining("is the control plane's own identity");
    }
}
