package dev.weft.controlplane;

import dev.weft.ca.CertificateAuthority;
import dev.weft.ca.SigningRefusedException;
import dev.weft.controlplane.api.ApiServer;
import dev.weft.controlplane.identity.ControlPlaneIdentity;
import dev.weft.controlplane.registry.ServiceRegistry;
import dev.weft.controlplane.store.ResourceStore;
import dev.weft.controlplane.store.StateFile;
import dev.weft.controlplane.store.StoredState;
import dev.weft.controlplane.xds.XdsServer;
import java.io.IOException;
import java.nio.file.Files;
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
 * and the HTTP API. Store and registry changes recompute the connected proxies'
 * snapshots; a scheduler expires instances whose TTL ran out.
 */
public final class ControlPlane implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ControlPlane.class);

    private final ResourceStore store;
    private final ServiceRegistry registry;
    private final CertificateAuthority ca;
    private final ControlPlaneIdentity identity;
    private final XdsServer xds;
    private final ApiServer api;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService persistence;

    private ControlPlane(ResourceStore store, ServiceRegistry registry, CertificateAuthority ca,
                         ControlPlaneIdentity identity, XdsServer xds, ApiServer api,
                         ScheduledExecutorService scheduler, ExecutorService persistence) {
        this.store = store;
        this.registry = registry;
        this.ca = ca;
        this.identity = identity;
        this.xds = xds;
        this.api = api;
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
            ApiServer api = ApiServer.start(config.apiAddress(), config.apiPort(), store, registry, xds, ca,
                    config.clock());
            ControlPlane controlPlane = new ControlPlane(store, registry, ca, identity, xds, api, scheduler,
                    persistence);
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

    public int xdsPort() {
        return xds.port();
    }

    public int apiPort() {
        return api.port();
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
