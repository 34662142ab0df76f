package dev.weft.proxy.downstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.proxy.config.BootstrapLoader;
import dev.weft.proxy.config.FilterChainSpec;
import dev.weft.proxy.config.ListenerSpec;
import dev.weft.proxy.config.ProxySnapshot;
import dev.weft.proxy.it.MeshBootstraps;
import dev.weft.proxy.it.MeshBootstraps.Mode;
import dev.weft.proxy.router.ListenerContext;
import dev.weft.proxy.stats.Stats;
import dev.weft.proxy.tls.Credential;
import dev.weft.proxy.tls.MeshPki;
import dev.weft.proxy.tls.Secrets;
import dev.weft.proxy.transport.Transport;
import dev.weft.proxy.upstream.ClusterManager;
import dev.weft.proxy.upstream.UpstreamPools;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PERMISSIVE listener over real sockets: a connection's verified client certificate becomes its
 * {@link PeerIdentity}, a plaintext connection has none; a switch to STRICT drains the plaintext connections and
 * keeps the mTLS ones.
 */
class PeerIdentityTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    private MeshPki pki;
    private ModelServer app;
    private EventLoopGroup group;
    private LiveListener listener;
    private ProxySnapshot permissive;
    private ClusterManager clusters;
    private UpstreamPools pools;
    private final Stats stats = new Stats();
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void listen() throws Exception {
        pki = MeshPki.open(dir.resolve("ca"), MeshPki.TRUST_DOMAIN);
        app = ModelServer.start(ModelServerConfig.builder().instanceId("app").build());
        permissive = snapshot(Mode.PERMISSIVE);
        Transport transport = Transport.best();
        group = transport.newGroup(1, new DefaultThreadFactory("peer-identity-test", true));
        clusters = new ClusterManager(stats);
        clusters.update(permissive.clusters()).commit();
        pools = new UpstreamPools(transport, group);
        listener = LiveListener.bind(contexts(permissive.listeners().get(0)), group, transport);
        listener.startAccepting();
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        listener.close();
        clusters.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        app.close();
    }

    @Test
    void aVerifiedClientCertificateIsTheConnectionsPeerAndAPlaintextConnectionHasNone() throws Exception {
        Credential productpage = pki.svid("default", "productpage");
        SSLSocket mtls = tls(productpage);
        Socket plain = plaintext();

        assertThat(get(mtls)).startsWith("HTTP/1.1 200");
        assertThat(get(plain)).startsWith("HTTP/1.1 200");

        assertThat(connectionOn(0)).extracting(PeerIdentity::of).isEqualTo(new PeerIdentity(pki.id("default", "productpage")));
        assertThat(PeerIdentity.of(connectionOn(1))).isNull();
    }

    @Test
    void switchingToStrictDrainsThePlaintextConnectionsAndKeepsTheMtlsOnes() throws Exception {
        SSLSocket mtls = tls(pki.svid("default", "productpage"));
        Socket plain = plaintext();
        assertThat(get(mtls)).startsWith("HTTP/1.1 200");
        assertThat(get(plain)).startsWith("HTTP/1.1 200");

        listener.update(contexts(snapshot(Mode.STRICT).listeners().get(0)));

        assertThat(plain.getInputStream().read()).as("the plaintext connection is closed").isEqualTo(-1);
        assertThat(get(mtls)).as("the mTLS connection carries on").startsWith("HTTP/1.1 200");
    }

    private ProxySnapshot snapshot(Mode mode) throws Exception {
        ProxySnapshot s = BootstrapLoader.build(MeshBootstraps.bootstrap(List.of(MeshBootstraps.inbound(mode)),
                List.of(MeshBootstraps.plainCluster("app", app.port())), List.of(pki.rootCa())));
        s.secrets().provideLocally(Secrets.DEFAULT, pki.svid("default", "reviews").secret(Secrets.DEFAULT));
        return s;
    }

    private List<ListenerContext> contexts(ListenerSpec spec) {
        List<ListenerContext> out = new ArrayList<>();
        for (FilterChainSpec chain : spec.chains()) {
            out.add(new ListenerContext(spec, chain, clusters, pools, stats));
        }
        return out;
    }

    /** The accepted connection of filter chain {@code chain}. */
    private Channel connectionOn(int chain) {
        await().atMost(WAIT).until(() -> listener.tracker().connections().stream()
                .anyMatch(c -> Integer.valueOf(chain).equals(c.attr(LiveListener.CHAIN).get())));
        return listener.tracker().connections().stream()
                .filter(c -> Integer.valueOf(chain).equals(c.attr(LiveListener.CHAIN).get())).findFirst().orElseThrow();
    }

    private SSLSocket tls(Credential credential) throws Exception {
        SSLSocket s = (SSLSocket) credential.clientContext().getSocketFactory().createSocket("127.0.0.1", port());
        s.setSoTimeout((int) WAIT.toMillis());
        s.startHandshake();
        open.add(s);
        return s;
    }

    private Socket plaintext() throws IOException {
        Socket s = new Socket("127.0.0.1", port());
        s.setSoTimeout((int) WAIT.toMillis());
        open.add(s);
        return s;
    }

    private int port() {
        return listener.localAddress().getPort();
    }

    /** A keep-alive GET; the response head (the body, of its Content-Length, is read and dropped). */
    private static String get(Socket s) throws IOException {
        s.getOutputStream().write("GET /status/200 HTTP/1.1\r\nHost: reviews\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after " + head);
            }
            head.append((char) b);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        in.readNBytes(m.find() ? Integer.parseInt(m.group(1)) : 0);
        return head.toString();
    }
}
