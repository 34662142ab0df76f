package dev.weft.controlplane;

import dev.weft.ca.CertificateAuthority;
import dev.weft.ca.SigningRefusedException;
import dev.weft.controlplane.api.AdminToken;
import dev.weft.controlplane.api.ApiServer;
import dev.weft.controlplane.client.ControlPlaneClient;
import dev.weft.controlplane.dashboard.DashboardServer;
import dev.weft.controlplane.identity.ControlPlaneIdentity;
import dev.weft.controlplane.registry.ServiceRegistry;
import dev.weft.controlplane.stats.MeshStats;
import dev.weft.controlplane.stats.MetricsScraper;
import dev.weft.controlplane.stats.StatsViews;
import dev.weft.controlplane.store.ResourceStore;
import dev.weft.controlplane.store.StateFile;
import dev.weft.controlplane.store.StoredState;
import dev.weft.controlplane.xds.XdsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running control plane: the resource store and registry (persisted in the data directory), the certificate
 * authority of the mesh's trust domain (in {@code <dataDir>/ca}), the ADS server that pushes each proxy its snapshot,
 * and the HTTPS API (admin token in {@code <dataDir>/admin-token}). Store and registry changes recompute the connected
 * proxies' snapshots; a scheduler expires instances whose TTL ran out.
 */
public final class ControlPlane implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ControlPlane.class);

    private final ResourceStore store;
    private final ServiceRegistry registry;
    private final CertificateAuthority ca;
    private final ControlPlaneIdentity identity;
    private final AdminToken adminToken;
    private final Path dataDir;
    private final String apiHost;
    private final Clock clock;
    private final XdsServer xds;
    /** Set by {@link #start} right after construction (the API calls back into this object), before it returns. */
    private ApiServer api;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService persistence;
    /** Set by {@link #start} like {@link #api}. */
    private MetricsScraper scraper;
    private StatsViews views;
    private DashboardServer dashboard;

    private ControlPlane(ResourceStore store, ServiceRegistry registry, CertificateAuthority ca,
                         ControlPlaneIdentity identity, AdminToken adminToken, ControlPlaneConfig config,
                         XdsServer xds, ScheduledExecutorService scheduler, ExecutorService persistence) {
        this.store = store;
        this.registry = registry;
        this.ca = ca;
        this.identity = identity;
        this.adminToken = adminToken;
        this.dataDir = config.dataDir();
        this.apiHost = clientHost(config.apiAddress());
        this.clock = config.clock();
        this.xds = xds;
        this.scheduler = scheduler;
        this.persistence = persistence;
    }

    /**
     * Loads the state in {@code config.dataDir()} (creating the directory), opens the CA (creating its root on first
     * start) for the stored MeshConfig's trust domain, and starts serving.
     *
     * @throws IOException when the state file is corrupt ({@link dev.weft.controlplane.store.CorruptStateException},
     *                     naming the file), the CA's material cannot be read or was made for another trust domain
     *                     ({@link TrustDomainConflictException}), or a port cannot be bound
     */
    public static ControlPlane start(ControlPlaneConfig config) throws IOException {
        Files.createDirectories(config.dataDir());
        StateFile file = new StateFile(config.dataDir());
        StoredState state = file.load();
        ServiceRegistry registry = new ServiceRegistry(config.clock(), config.sidecarTtl(), state.instances());
        ResourceStore store = new ResourceStore(file, state, registry);
        CertificateAuthority ca = MeshCa.open(config, MeshCa.trustDomain(store.snapshot()));
        AdminToken adminToken = AdminToken.loadOrCreate(config.dataDir());
        store.addCheck(MeshCa.trustDomainFixed(ca));
        registry.updateDeclared(store.snapshot());
        ExecutorService persistence = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "weft-control-plane-persist");
            thread.setDaemon(true);
            return thread;
        });
        registry.setPersister(new LatestInstancesWriter(store, persistence));
        store.addListener(() -> registry.updateDeclared(store.snapshot()));
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "weft-control-plane");
            thread.setDaemon(true);
            return thread;
        });
        XdsServer xds = null;
        ControlPlaneIdentity identity = null;
        try {
            identity = ControlPlaneIdentity.forBindHosts(ca, List.of(config.xdsAddress(), config.apiAddress()),
                    config.clock(), scheduler);
            if (config.insecureXds()) {
                LOG.warn("xDS and certificate signing on {}:{} are served in plaintext without authentication "
                        + "(--insecure-xds): any process that reaches the port gets the mesh's configuration, and "
                        + "nodes get plaintext-only configuration", config.xdsAddress(), config.xdsPort());
            }
            xds = XdsServer.start(config.xdsAddress(), config.xdsPort(), store, registry, config.clock(), scheduler,
                    config.pushDebounce(), config.insecureXds() ? null : identity, ca);
            store.addListener(xds::changed);
            registry.addListener(xds::changed);
            ControlPlane controlPlane = new ControlPlane(store, registry, ca, identity, adminToken, config, xds,
                    scheduler, persistence);
            XdsServer server = xds;
            controlPlane.scraper = new MetricsScraper(server::proxies, new MeshStats(STATS_RETENTION),
                    config.scrapeInterval(), config.clock());
            controlPlane.views = new StatsViews(controlPlane.scraper, store::snapshot, registry::snapshot,
                    server::proxies);
            try {
                controlPlane.api = ApiServer.start(config.apiAddress(), config.apiPort(), identity.sslContext(),
                        adminToken, store, registry, xds, ca, config.clock(), controlPlane::trustBundleChanged,
                        controlPlane.views);
                if (config.dashboardPort() >= 0) {
                    try {
                        controlPlane.dashboard = DashboardServer.start(ControlPlaneConfig.DASHBOARD_ADDRESS,
                                config.dashboardPort(), controlPlane.views);
                    } catch (IOException e) {
                        throw new IOException("cannot serve the dashboard on " + ControlPlaneConfig.DASHBOARD_ADDRESS
                                + ":" + config.dashboardPort() + " (dashboard port): " + e.getMessage(), e);
                    }
                }
            } catch (IOException | RuntimeException e) {
                if (controlPlane.api != null) {
                    controlPlane.api.close();
                }
                controlPlane.scraper.close();
                throw e;
            }
            controlPlane.scraper.start();
            controlPlane.scheduleTick();
            return controlPlane;
        } catch (SigningRefusedException e) {
            scheduler.shutdownNow();
            persistence.shutdown();
            throw new IOException("cannot issue the control plane's certificate: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            if (xds != null) {
                xds.close();
            }
            if (identity != null) {
                identity.close();
            }
            scheduler.shutdownNow();
            persistence.shutdown();
            throw e;
        }
    }

    /** How far back the metrics views reach (the windows of /v1/stats/*). */
    public static final Duration STATS_RETENTION = Duration.ofMinutes(15);

    public int xdsPort() {
        return xds.port();
    }

    public int apiPort() {
        return api.port();
    }

    /** Where clients reach the API: {@code https://<bind address>:<port>} (loopback when bound to every address). */
    public URI apiUri() {
        String host = apiHost.indexOf(':') >= 0 ? "[" + apiHost + "]" : apiHost;
        return URI.create("https://" + host + ":" + api.port());
    }

    /** Where a browser on this host opens the dashboard, or null when it is off. */
    public URI dashboardUri() {
        return dashboard == null ? null : dashboard.uri();
    }

    /** The scraper of the proxies' metrics (its {@link MetricsScraper#round()} runs one round now). */
    public MetricsScraper metricsScraper() {
        return scraper;
    }

    /** The secret every API call but {@code GET /v1/trust-bundle} needs, kept in {@code <dataDir>/admin-token}. */
    public AdminToken adminToken() {
        return adminToken;
    }

    /** The CA's trust bundle file ({@code <dataDir>/ca/bundle.pem}), kept current through root rotations. */
    public Path trustBundleFile() {
        return dataDir.resolve(MeshCa.DIRECTORY).resolve("bundle.pem");
    }

    /**
     * An admin client of this control plane's API (the admin token, trusting the CA's bundle as it is at each
     * handshake), for the CLI's in-process commands and tests.
     */
    public ControlPlaneClient client() {
        return new ControlPlaneClient(apiUri(), adminToken.value(), ca::bundle, clock);
    }

    /**
     * The CA's trust bundle or issuer changed (root rotation add, activate or remove-old): every connected node's
     * snapshot is recomputed (their ROOTCA secret carries the new bundle), and the control plane's own certificate is
     * reissued when the CA now issues from another certificate. Call it after each rotation step.
     */
    public void trustBundleChanged() {
        xds.changed();
        try {
            if (identity.reissueIfIssuerChanged()) {
                LOG.info("control plane certificate reissued from the new issuer {}",
                        ca.issuerChain().get(0).getSubjectX500Principal());
            }
        } catch (SigningRefusedException e) {
            // a retry is scheduled; the current certificate still verifies (its root stays trusted until remove-old)
            LOG.warn("cannot reissue the control plane's certificate from the new issuer yet: {}", e.getMessage());
        }
    }

    public ResourceStore store() {
        return store;
    }

    public ServiceRegistry registry() {
        return registry;
    }

    /** The CA that signs the mesh's SVIDs. */
    public CertificateAuthority certificateAuthority() {
        return ca;
    }

    /** The control plane's own key and certificate, which its TLS servers (xDS and CSR, the API) serve. */
    public ControlPlaneIdentity identity() {
        return identity;
    }

    /** Runs the registry's expiry check now, as the scheduler does every {@link ServiceRegistry#checkInterval()}. */
    public void checkExpiry() {
        registry.tick();
    }

    /** Stops the API and the xDS server (ending every stream) and the scheduler; a pending state write finishes. */
    @Override
    public void close() {
        if (dashboard != null) {
            dashboard.close();
        }
        scraper.close();
        api.close();
        xds.close();
        identity.close();
        scheduler.shutdownNow();
        persistence.shutdown();
        try {
            if (!persistence.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("the last registry state write did not finish within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The address a client on this host uses for a server bound to {@code bindAddress}. */
    private static String clientHost(String bindAddress) {
        try {
            return InetAddress.getByName(bindAddress).isAnyLocalAddress() ? "127.0.0.1" : bindAddress;
        } catch (java.net.UnknownHostException e) {
            return bindAddress;
        }
    }

    private void scheduleTick() {
        try {
            scheduler.schedule(this::tick, registry.checkInterval().toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // closed meanwhile: nothing left to expire
        }
    }

    private void tick() {
        try {
            registry.tick();
        } catch (RuntimeException e) {
            LOG.error("registry expiry check failed", e);
        }
        scheduleTick();
    }
}
