package dev.weft.proxy;

import com.google.protobuf.Value;
import dev.weft.ca.TrustBundle;
import dev.weft.proxy.admin.AdminServer;
import dev.weft.proxy.config.FilterChainSpec;
import dev.weft.proxy.config.ListenerSpec;
import dev.weft.proxy.config.ProxySnapshot;
import dev.weft.proxy.downstream.LiveListener;
import dev.weft.proxy.identity.WorkloadIdentity;
import dev.weft.proxy.observe.NodeIdentity;
import dev.weft.proxy.observe.Telemetry;
import dev.weft.proxy.router.ListenerContext;
import dev.weft.proxy.stats.Stats;
import dev.weft.proxy.tls.SecretStore;
import dev.weft.proxy.tls.Secrets;
import dev.weft.proxy.tls.ValidationSecret;
import dev.weft.proxy.transport.Transport;
import dev.weft.proxy.upstream.ClusterManager;
import dev.weft.proxy.upstream.UpstreamCluster;
import dev.weft.proxy.upstream.UpstreamPools;
import dev.weft.proxy.xds.AdsClient;
import dev.weft.proxy.xds.Backoff;
import dev.weft.proxy.xds.XdsStatus;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running proxy: its listeners, clusters, pools, admin endpoint and event loops, serving one
 * {@link ProxySnapshot} at a time and moving to the next one live ({@link #apply}).
 *
 * <p>Started from a static bootstrap, it binds everything at once; if any listener cannot bind,
 * everything already started is stopped again and the start fails, so nothing is left half-running.
 * Started from a bootstrap with dynamic_resources, it binds the admin endpoint, reports not ready
 * and starts an {@link AdsClient}; listeners are bound when the first complete configuration
 * arrives ({@link #configured()}).
 *
 * <p>An update is atomic for every request: new and changed clusters are published first, then
 * each listener's context is swapped (one volatile write each), then removed clusters are
 * withdrawn. A request keeps the route table and cluster it resolved; the next request on a
 * kept-alive connection uses the new ones. Listeners are diffed by name: same address, the context
 * is swapped; new (or moved), bound first, so a bind failure rejects the whole update before
 * anything changes; removed, drained.
 */
public final class ProxyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);
    private static final long DRAIN_POLL_MILLIS = 20;

    private final ProxySnapshot bootstrap;
    private final Transport transport;
    private final EventLoopGroup group;
    private final Stats stats = new Stats();
    private final ClusterManager clusters = new ClusterManager(stats);
    private final UpstreamPools pools;
    private final Telemetry telemetry;
    private final CompletableFuture<Void> configured = new CompletableFuture<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private volatile ProxySnapshot snapshot;
    /** Serving listeners by name; replaced whole under this. */
    private volatile Map<String, LiveListener> listeners = Map.of();
    /** Listeners an update removed that still have connections; guarded by this. */
    private final List<LiveListener> draining = new ArrayList<>();
    private volatile boolean stopping;
    /** Guarded by this. */
    private boolean closed;
    private volatile AdminServer admin;
    private volatile AdsClient xds;
    /** A sidecar's identity agent, owned from {@link #start(ProxySnapshot, int, WorkloadIdentity)} on; or null. */
    private volatile WorkloadIdentity identity;

    private ProxyServer(ProxySnapshot bootstrap, int workers) {
        this.bootstrap = bootstrap;
        this.snapshot = bootstrap;
        this.transport = Transport.best();
        this.group = transport.newGroup(workers, new DefaultThreadFactory("weft-worker", true));
        this.pools = new UpstreamPools(transport, group);
        this.telemetry = new Telemetry(NodeIdentity.of(bootstrap.source().getNode()), stats, clusters,
                !bootstrap.source().getStatsConfig().getStatsMatcher().getRejectAll());
        telemetry.onObserversChanged(this::refreshObservers);
    }

    /**
     * Starts a proxy from {@code snapshot}. A static snapshot: binds every listener and the admin
     * endpoint, and is ready on return. A dynamic one ({@link ProxySnapshot#dynamic()}): binds the
     * admin endpoint, connects to the control plane and returns; {@link #configured()} completes
     * when the first complete configuration is served (the admin /ready answers 503 until then).
     *
     * @param workers event loops to run (0 for one per core)
     * @throws IOException naming the listener (or admin address) that could not bind; nothing is left running
     */
    public static ProxyServer start(ProxySnapshot snapshot, int workers) throws IOException {
        return start(snapshot, workers, null);
    }

    /**
     * Starts a sidecar with a workload identity: as {@link #start(ProxySnapshot, int)}, and
     * <ul>
     *   <li>each certificate of the identity (the current one first, before anything else starts) is the
     *       local secret {@code default} ({@link SecretStore#provideLocally}), which listeners and clusters
     *       present from their next handshake on;</li>
     *   <li>each {@code ROOTCA} secret the control plane sends is the identity's trust bundle for the control
     *       plane ({@link WorkloadIdentity#updateBundle}), so xDS follows a root rotation;</li>
     *   <li>the ADS stream runs over mutual TLS with the identity's SVID
     *       ({@link WorkloadIdentity#channelCredentials()}).</li>
     * </ul>
     * The identity must already hold its first certificate ({@link WorkloadIdentity#awaitFirst}); the proxy
     * owns it from here on and closes it when it stops (or when this start fails).
     *
     * @param identity null for plaintext xDS without identity
     */
    public static ProxyServer start(ProxySnapshot snapshot, int workers, WorkloadIdentity identity)
            throws IOException {
        return start(snapshot, workers, identity, List.of());
    }

    /**
     * As {@link #start(ProxySnapshot, int, WorkloadIdentity)}, with telemetry sinks added to the proxy's own
     * before any listener starts (for embedders and tests); the proxy closes them when it stops.
     */
    public static ProxyServer start(ProxySnapshot snapshot, int workers, WorkloadIdentity identity,
            List<Telemetry.Sink> sinks) throws IOException {
        if (identity != null && identity.current() == null) {
            throw new IllegalStateException("the identity agent of " + identity.identity()
                    + " has no certificate yet; await its first before starting the proxy");
        }
        int n = workers > 0 ? workers : Runtime.getRuntime().availableProcessors();
        ProxyServer server = new ProxyServer(snapshot, n);
        sinks.forEach(server.telemetry::add);
        server.identity = identity;
        try {
            if (identity != null) {
                server.useIdentity(identity);
            }
            if (snapshot.dynamic()) {
                server.startAdmin();
                server.startXds(identity == null ? InsecureChannelCredentials.create()
                        : identity.channelCredentials());
            } else if (!snapshot.missingSecrets().isEmpty()) {
                server.startAdmin();
                server.awaitSecrets();
            } else {
                server.apply(snapshot);
                server.startAdmin();
            }
        } catch (IOException | RuntimeException e) {
            server.close();
            // close() only starts the shutdown; a caller that retries at once must find the ports free
            server.stopped().join();
            throw e;
        }
        return server;
    }

    /** Publishes the identity's certificates as secret {@code default} and feeds ROOTCA back to it. */
    private void useIdentity(WorkloadIdentity id) {
        telemetry.metrics().localIdentity(id.identity().account(), id.identity().toString());
        SecretStore secrets = secrets();
        // delivers the current certificate before returning: listeners and clusters find it at once
        id.addListener(c -> secrets.provideLocally(Secrets.DEFAULT, c.toSecret(Secrets.DEFAULT)));
        secrets.addListener(changed -> {
            if (changed.contains(Secrets.ROOTCA)) {
                trustControlPlaneBy(secrets.validation(Secrets.ROOTCA), id);
            }
        });
        // a static bootstrap may carry it already
        trustControlPlaneBy(secrets.validation(Secrets.ROOTCA), id);
    }

    private static void trustControlPlaneBy(ValidationSecret rootCa, WorkloadIdentity id) {
        if (rootCa == null || !rootCa.isSpiffe()) {
            return;
        }
        TrustBundle bundle = rootCa.trustDomains().get(id.identity().trustDomain());
        if (bundle != null) {
            id.updateBundle(bundle);
        }
    }

    private void startAdmin() throws IOException {
        if (bootstrap.adminAddress() != null) {
            admin = AdminServer.start(this, group, transport, bootstrap.adminAddress());
        }
    }

    /**
     * A static bootstrap whose TLS contexts name secrets it does not have yet (the identity agent provides
     * {@code default} once it has a certificate): nothing is bound until they are all there, as Envoy's static
     * listeners wait for their secrets.
     */
    private void awaitSecrets() {
        log.info("waiting for secrets {} before serving", bootstrap.missingSecrets());
        Consumer<Set<String>> listener = new Consumer<>() {
            @Override
            public void accept(Set<String> changed) {
                if (configured.isDone() || stopping || !bootstrap.missingSecrets().isEmpty()) {
                    return;
                }
                bootstrap.secrets().removeListener(this);
                try {
                    apply(bootstrap);
                } catch (IOException | RuntimeException e) {
                    log.error("cannot serve the bootstrap once its secrets arrived: {}", e.getMessage(), e);
                }
            }
        };
        bootstrap.secrets().addListener(listener);
        // a secret provided between the check and the registration
        listener.accept(Set.of());
    }

    private synchronized void startXds(ChannelCredentials credentials) {
        xds = new AdsClient(bootstrap, this::apply, stats, Backoff.DEFAULT, credentials, reportedNode());
        xds.start();
    }

    /**
     * The bootstrap's node, and for a Weft sidecar (node metadata {@code weft.role}) with an admin listener, its
     * bound address as {@code weft.admin_address} ({@code host:port}; the {@code weft.address} host when admin is
     * bound to every address), which the control plane scrapes for metrics. The bound port, not the configured
     * one: a sidecar may ask for port 0.
     */
    private Node reportedNode() {
        Node node = bootstrap.xds().node();
        Map<String, Value> metadata = node.getMetadata().getFieldsMap();
        if (admin == null || !metadata.containsKey("weft.role")) {
            return node;
        }
        InetAddress bound = bootstrap.adminAddress().getAddress();
        String host;
        if (bound == null || bound.isAnyLocalAddress()) {
            Value address = metadata.get("weft.address");
            host = address != null && address.hasStringValue() ? address.getStringValue() : "127.0.0.1";
        } else {
            host = bound.getHostAddress();
        }
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return node.toBuilder().setMetadata(node.getMetadata().toBuilder().putFields("weft.admin_address",
                Value.newBuilder().setStringValue(host + ":" + admin.port()).build())).build();
    }

    /**
     * Moves the proxy to {@code next}, live: see the class comment. Safe to call from any thread
     * but the event loops (binding waits); updates are serialised.
     *
     * @throws IOException when a new listener cannot bind; then nothing of {@code next} is applied
     */
    public synchronized void apply(ProxySnapshot next) throws IOException {
        if (stopping) {
            throw new IOException("the proxy is stopping");
        }
        Map<String, LiveListener> current = listeners;
        Map<String, LiveListener> bound = new LinkedHashMap<>();
        try {
            for (ListenerSpec spec : next.listeners()) {
                LiveListener l = current.get(spec.name());
                if (l == null || !l.configuredAddress().equals(spec.address())) {
                    bound.put(spec.name(), LiveListener.bind(contexts(spec), group, transport));
                }
            }
        } catch (IOException | RuntimeException e) {
            bound.values().forEach(LiveListener::close);
            throw e;
        }

        ClusterManager.Transition transition = clusters.update(next.clusters());
        Map<String, LiveListener> serving = new LinkedHashMap<>();
        List<LiveListener> removed = new ArrayList<>();
        for (ListenerSpec spec : next.listeners()) {
            LiveListener fresh = bound.get(spec.name());
            LiveListener l = current.get(spec.name());
            if (fresh != null) {
                if (l != null) {
                    removed.add(l);
                }
                fresh.startAccepting();
                serving.put(spec.name(), fresh);
                log.info("listener {} on {} ({})", spec.name(), fresh.localAddress(), transport);
            } else {
                if (l.context().spec() != spec) {
                    l.update(contexts(spec));
                }
                serving.put(spec.name(), l);
            }
        }
        for (LiveListener l : current.values()) {
            if (!serving.containsKey(l.name())) {
                removed.add(l);
            }
        }
        listeners = Collections.unmodifiableMap(serving);
        transition.commit();
        for (UpstreamCluster c : transition.retired()) {
            pools.retire(c);
        }
        transition.goneEndpoints().forEach(pools::retireEndpoints);
        for (LiveListener l : removed) {
            log.info("listener {} removed; draining its connections", l.name());
            drain(l, l.context().settings().drainTimeoutMillis());
        }
        snapshot = next;
        configured.complete(null);
    }

    /**
     * New listener contexts for the same configuration, with each sink's current observers (a tap came or went);
     * new exchanges use them, in-flight ones finish with theirs.
     */
    private synchronized void refreshObservers() {
        if (stopping) {
            return;
        }
        for (LiveListener l : listeners.values()) {
            l.update(contexts(l.context().spec()));
        }
    }

    /** One context per filter chain of {@code spec}. */
    private List<ListenerContext> contexts(ListenerSpec spec) {
        List<ListenerContext> out = new ArrayList<>(spec.chains().size());
        for (FilterChainSpec chain : spec.chains()) {
            out.add(new ListenerContext(spec, chain, clusters, pools, stats, telemetry.observersFor(spec, chain.http())));
        }
        return out;
    }

    /** Drains a removed listener; whatever is still open after {@code timeoutMillis} is closed. */
    private void drain(LiveListener l, long timeoutMillis) {
        draining.add(l);
        l.startDraining();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        group.next().execute(new Runnable() {
            @Override
            public void run() {
                if (l.drained() || System.nanoTime() >= deadline) {
                    l.close();
                    synchronized (ProxyServer.this) {
                        draining.remove(l);
                    }
                } else {
                    group.next().schedule(this, DRAIN_POLL_MILLIS, TimeUnit.MILLISECONDS);
                }
            }
        });
    }

    /** The port listener {@code name} is bound to. */
    public int port(String name) {
        LiveListener l = listeners.get(name);
        if (l == null) {
            throw new IllegalArgumentException("no listener named " + name + "; listeners: " + listeners.keySet());
        }
        return l.localAddress().getPort();
    }

    /** The admin endpoint's port, or -1 when there is none. */
    public int adminPort() {
        return admin == null ? -1 : admin.port();
    }

    /** The snapshot being served; for a dynamic proxy, its bootstrap's until the first configuration arrives. */
    public ProxySnapshot snapshot() {
        return snapshot;
    }

    /** The proxy's telemetry sinks. */
    public Telemetry telemetry() {
        return telemetry;
    }

    public Stats stats() {
        return stats;
    }

    /**
     * The proxy's TLS secrets: where the identity agent provides the workload certificate
     * ({@code secrets().provideLocally("default", secret)}) and where SDS puts what the control plane sends.
     * Listeners and clusters read them at each handshake.
     */
    public SecretStore secrets() {
        return bootstrap.secrets();
    }

    public ClusterManager clusters() {
        return clusters;
    }

    public Transport transport() {
        return transport;
    }

    /** The sidecar's identity agent, or null without one (a static proxy, plaintext xDS). */
    public WorkloadIdentity identity() {
        return identity;
    }

    /** The xDS client's state (connection, versions per type, last rejection), or null for a static proxy. */
    public XdsStatus xdsStatus() {
        AdsClient c = xds;
        return c == null ? null : c.status();
    }

    /**
     * Completes when the proxy serves its first complete configuration: on return from
     * {@link #start} for a static bootstrap, when the control plane has delivered listeners,
     * clusters and everything they name for a dynamic one. Never completes if the proxy stops first.
     */
    public CompletableFuture<Void> configured() {
        return configured;
    }

    /** Whether the proxy serves a configuration and is not draining. */
    public boolean isReady() {
        return configured.isDone() && !stopping;
    }

    /** Whether the proxy is draining or stopped. */
    public boolean isStopping() {
        return stopping;
    }

    /** Completes when the proxy has stopped. */
    public CompletableFuture<Void> stopped() {
        return stopped;
    }

    /**
     * Graceful drain: stop taking configuration, stop accepting, close idle connections, tell
     * HTTP/2 clients GOAWAY, let in-flight requests finish for at most {@code timeoutMillis}, then stop.
     */
    public CompletableFuture<Void> drainAndStop(long timeoutMillis) {
        List<LiveListener> all;
        synchronized (this) {
            if (closed) {
                // a second stop (a shutdown hook after the app's exit already drained) has nothing to do
                return stopped;
            }
            stopping = true;
            all = new ArrayList<>(listeners.values());
            all.addAll(draining);
        }
        if (xds != null) {
            xds.close();
        }
        for (LiveListener l : all) {
            l.startDraining();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        group.next().execute(new Runnable() {
            @Override
            public void run() {
                if (all.stream().allMatch(l -> l.tracker().inFlight() <= 0) || System.nanoTime() >= deadline) {
                    close();
                } else {
                    group.next().schedule(this, DRAIN_POLL_MILLIS, TimeUnit.MILLISECONDS);
                }
            }
        });
        return stopped;
    }

    @Override
    public void close() {
        List<LiveListener> all;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            stopping = true;
            all = new ArrayList<>(listeners.values());
            all.addAll(draining);
            listeners = Map.of();
            draining.clear();
        }
        if (xds != null) {
            xds.close();
        }
        if (identity != null) {
            identity.close();
        }
        for (LiveListener l : all) {
            l.close();
        }
        if (admin != null) {
            admin.close();
        }
        clusters.close();
        telemetry.close();
        Thread t = new Thread(() -> {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            stopped.complete(null);
        }, "weft-shutdown");
        t.start();
    }
}
