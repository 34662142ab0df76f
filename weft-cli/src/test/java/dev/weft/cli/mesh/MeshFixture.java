package dev.weft.cli.mesh;

import static org.awaitility.Awaitility.await;

import dev.weft.api.ObjectMeta;
import dev.weft.api.Resource;
import dev.weft.api.ResourceLoader;
import dev.weft.api.registry.ServiceInstanceSpec;
import dev.weft.ca.CertificateAuthority;
import dev.weft.ca.SpiffeId;
import dev.weft.controlplane.ControlPlane;
import dev.weft.controlplane.ControlPlaneConfig;
import dev.weft.controlplane.client.ApplyResponse;
import dev.weft.controlplane.client.ControlPlaneClient;
import dev.weft.proxy.ProxyServer;
import dev.weft.proxy.config.BootstrapLoader;
import dev.weft.proxy.identity.WorkloadIdentity;
import dev.weft.proxy.sidecar.SidecarBootstrap;
import dev.weft.proxy.xds.XdsStatus;
import dev.weft.proxy.xds.XdsType;
import dev.weft.testkit.Ports;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A local mesh on loopback for end-to-end tests: a real control plane (its own data directory), sidecars that
 * are real Weft proxies configured over xDS (each joins with a one-time token and gets its SVID from the control
 * plane's CA, so xDS and every sidecar-to-sidecar hop are mTLS), and simulated model servers behind them. Everything it started is
 * stopped by {@link #close()}.
 */
final class MeshFixture implements AutoCloseable {
    static final Duration BOUND = Duration.ofSeconds(30);

    private final Path dataDir;
    private final Duration sidecarTtl;
    private final Duration svidLifetime;
    private final boolean views;
    private final List<AutoCloseable> started = new ArrayList<>();
    private ControlPlane controlPlane;
    private int xdsPort;
    private int apiPort;

    MeshFixture(Path dataDir, Duration sidecarTtl) throws Exception {
        this(dataDir, sidecarTtl, null);
    }

    /** A mesh whose CA issues SVIDs of {@code svidLifetime} (null: the default lifetime). */
    MeshFixture(Path dataDir, Duration sidecarTtl, Duration svidLifetime) throws Exception {
        this(dataDir, sidecarTtl, svidLifetime, false);
    }

    /**
     * A mesh whose control plane, when {@code views}, scrapes the sidecars' metrics every second and serves the
     * dashboard on an ephemeral loopback port.
     */
    MeshFixture(Path dataDir, Duration sidecarTtl, Duration svidLifetime, boolean views) throws Exception {
        this.dataDir = dataDir;
        this.sidecarTtl = sidecarTtl;
        this.svidLifetime = svidLifetime;
        this.views = views;
        startControlPlane();
    }

    /**
     * Starts the control plane: on free ports the first time, on the same ports (and data) after a stop. The
     * ports come from below the ephemeral range, so no reconnecting sidecar can hold one as its local port when
     * the control plane binds it again.
     */
    void startControlPlane() throws Exception {
        if (xdsPort == 0) {
            xdsPort = Ports.findFree();
            apiPort = Ports.findFree();
        }
        ControlPlaneConfig config = ControlPlaneConfig.defaults(dataDir).withPorts(xdsPort, apiPort)
                .withSidecarTtl(sidecarTtl);
        if (views) {
            config = config.withScrapeInterval(Duration.ofSeconds(1)).withDashboardPort(0);
        }
        controlPlane = ControlPlane.start(svidLifetime == null ? config : config.withSvidLifetime(svidLifetime));
        xdsPort = controlPlane.xdsPort();
        apiPort = controlPlane.apiPort();
    }

    void stopControlPlane() {
        controlPlane.close();
    }

    ControlPlane controlPlane() {
        return controlPlane;
    }

    ControlPlaneClient client() {
        return controlPlane.client();
    }

    /** Applies YAML resources through the API, as {@code weft apply} does. */
    ApplyResponse apply(String yaml) throws Exception {
        return client().apply(new ResourceLoader().load(yaml, "test.yaml").resources(), false);
    }

    ModelServer modelServer(String version, String instanceId) {
        ModelServer server = ModelServer.start(ModelServerConfig.builder().model("chat-sim").version(version)
                .instanceId(instanceId).timeToFirstToken(Duration.ofMillis(1)).tokensPerSecond(10_000).build(), 0);
        started.add(server);
        return server;
    }

    /** Registers {@code app} through the API as an instance of {@code service} (no sidecar: callers reach it directly). */
    void register(String service, String name, ModelServer app, String version) throws Exception {
        client().register(new Resource<>(new ObjectMeta(name, "default", Map.of("version", version), null, null, null),
                new ServiceInstanceSpec(service, "127.0.0.1", app.port(), null, null)));
    }

    /** A sidecar beside {@code app}, registered as an instance of {@code service} with {@code version}; it calls nothing. */
    ProxyServer serverSidecar(String service, ModelServer app, String version) throws Exception {
        return sidecar(new SidecarBootstrap("127.0.0.1", xdsPort, "default", service, "127.0.0.1", Ports.findFree(),
                app.port(), null, 0, List.of(), Map.of("version", version), null, null, "127.0.0.1", 0), service);
    }

    /** A client-only sidecar whose outbound port reaches {@code upstreams}. */
    ProxyServer clientSidecar(String service, int outboundPort, String... upstreams) throws Exception {
        return clientSidecar("default", service, service, outboundPort, upstreams);
    }

    /** A client-only sidecar of {@code namespace} running as {@code account}, whose outbound port reaches {@code upstreams}. */
    ProxyServer clientSidecar(String namespace, String service, String account, int outboundPort, String... upstreams)
            throws Exception {
        List<SidecarBootstrap.Upstream> list = new ArrayList<>();
        for (String u : upstreams) {
            list.add(SidecarBootstrap.Upstream.parse(u));
        }
        return sidecar(new SidecarBootstrap("127.0.0.1", xdsPort, namespace, service, "127.0.0.1", 0, 0, null,
                outboundPort, list, Map.of(), null, null, "127.0.0.1", 0), account);
    }

    /**
     * Starts a sidecar as {@code weft proxy} does: its identity agent joins with a one-time token for
     * {@code account} in the bootstrap's namespace, and the proxy takes its xDS over mTLS with that SVID.
     */
    ProxyServer sidecar(SidecarBootstrap bootstrap, String account) throws Exception {
        CertificateAuthority ca = controlPlane.certificateAuthority();
        String token = ca.joinTokens().create(bootstrap.namespace(), account, Duration.ofMinutes(5));
        WorkloadIdentity identity = WorkloadIdentity.builder(new SpiffeId(ca.trustDomain(), bootstrap.namespace(), account))
                .controlPlane("127.0.0.1", xdsPort).trustBundle(ca.bundle()).joinToken(token).join(BOUND);
        ProxyServer proxy = ProxyServer.start(BootstrapLoader.build(bootstrap.validate().toBootstrap()), 1, identity);
        started.add(proxy);
        try {
            proxy.configured().get(BOUND.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("sidecar " + bootstrap.namespace() + "/" + account + " not configured within "
                    + BOUND + ": " + proxy.xdsStatus(), e);
        }
        return proxy;
    }

    /** The version of {@code type} a proxy serves, "" before any. */
    static String applied(ProxyServer proxy, XdsType type) {
        XdsStatus status = proxy.xdsStatus();
        XdsStatus.TypeStatus t = status.types().get(type);
        return t == null ? "" : t.appliedVersion();
    }

    /** Waits until {@code proxy} serves a {@code type} version other than {@code before}. */
    static void awaitNewVersion(ProxyServer proxy, XdsType type, String before) {
        await().atMost(BOUND).pollInterval(Duration.ofMillis(5)).until(() -> !applied(proxy, type).equals(before));
    }

    @Override
    public void close() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            AutoCloseable c = started.get(i);
            c.close();
            if (c instanceof ProxyServer p) {
                p.stopped().get(BOUND.toSeconds(), TimeUnit.SECONDS);
            }
        }
        controlPlane.close();
    }
}
