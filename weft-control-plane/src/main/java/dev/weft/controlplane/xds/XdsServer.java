package dev.weft.controlplane.xds;

import dev.weft.ca.CertificateAuthority;
import dev.weft.ca.SpiffeId;
import dev.weft.ca.TrustBundle;
import dev.weft.controlplane.identity.CertificateService;
import dev.weft.controlplane.identity.ClientIdentityInterceptor;
import dev.weft.controlplane.identity.ControlPlaneIdentity;
import dev.weft.controlplane.registry.RegistrySnapshot;
import dev.weft.controlplane.registry.ServiceRegistry;
import dev.weft.controlplane.registry.SidecarRegistration;
import dev.weft.controlplane.store.ResourceStore;
import dev.weft.controlplane.store.StoreSnapshot;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DefaultExecutorGroup;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.controlplane.server.serializer.CachedProtoResourcesSerializer;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The xDS side of the control plane: an ADS gRPC server (java-control-plane's V3DiscoveryServer over a
 * {@link SimpleCache} keyed by node id) that registers sidecars from their node metadata while their stream is
 * open, serves each node the snapshot the {@link Translator} computes for it, and keeps per-node sync status for
 * {@code weft proxy-status}. The same port serves CSR signing ({@link CertificateService}). Call {@link #changed()}
 * after every store or registry change.
 *
 * <p>With the control plane's identity the port speaks TLS (1.2 and 1.3) with the control plane's certificate and
 * asks for a client certificate: ADS needs one (a workload's SVID, whose namespace and account must fit the node,
 * see {@link NodeAdmission}); Sign takes one for renewals. Without (insecure), it is plaintext and nodes have no
 * identity.
 */
public final class XdsServer implements AutoCloseable {

    /** Keepalive pings find proxies that vanished without closing their connection, so their TTL starts. */
    private static final Duration KEEPALIVE_TIME = Duration.ofSeconds(20);
    private static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CLIENT_KEEPALIVE_MIN = Duration.ofSeconds(5);

    private final Server server;
    private final ProxyTracker tracker;
    private final SnapshotPublisher publisher;
    private final SimpleCache<String> cache;

    private XdsServer(Server server, ProxyTracker tracker, SnapshotPublisher publisher, SimpleCache<String> cache) {
        this.server = server;
        this.tracker = tracker;
        this.publisher = publisher;
        this.cache = cache;
    }

    /**
     * Starts serving ADS and CSR signing on {@code host:port} (0: an ephemeral port) from {@code store} and
     * {@code registry}, with snapshot recomputations run on {@code executor} and coalesced within {@code debounce}.
     *
     * @param identity the control plane's certificate, served over TLS; null serves plaintext without
     *                 authentication (proxyless gRPC tests only)
     * @param ca       the CA that signs workloads' CSRs
     */
    public static XdsServer start(String host, int port, ResourceStore store, ServiceRegistry registry, Clock clock,
                                  ScheduledExecutorService executor, Duration debounce, ControlPlaneIdentity identity,
                                  CertificateAuthority ca) throws IOException {
        SimpleCache<String> cache = new SimpleCache<>(Node::getId);
        NackHoldingWatcher watcher = new NackHoldingWatcher(cache);
        SnapshotPublisher publisher = new SnapshotPublisher(cache, () -> {
            StoreSnapshot resources = store.snapshot();
            return new Translator(new MeshModel(resources, registry.snapshot()),
                    new MtlsResources(resources, ca.bundle()));
        }, executor, debounce);
        NodeAdmission admission = new NodeAdmission(identity != null, store::snapshot);
        ProxyTracker tracker = new ProxyTracker(clock, admission, new ProxyTracker.StreamListener() {
            @Override
            public void opened(NodeInfo node) {
                if (node.registers()) {
                    registry.sidecarStreamOpened(new SidecarRegistration(node.namespace(), node.instanceName(),
                            node.service(), node.address(), node.inboundPort(), node.appProtocol(), node.labels(),
                            node.identity()));
                }
                publisher.nodeConnected(node);
            }

            @Override
            public void request(NodeInfo node) {
                if (node.registers()) {
                    registry.sidecarHeartbeat(node.namespace(), node.instanceName());
                }
            }

            @Override
            public void closed(NodeInfo node) {
                if (node.registers()) {
                    registry.sidecarStreamClosed(node.namespace(), node.instanceName());
                }
                if (publisher.nodeDisconnected(node)) {
                    watcher.forget(node.id());
                }
            }
        });
        // resources shared by many nodes are the same objects, so the caching serializer encodes each once
        V3DiscoveryServer discovery = new V3DiscoveryServer(List.of(tracker), watcher,
                new DefaultExecutorGroup(), new CachedProtoResourcesSerializer());
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(host, port));
        if (identity != null) {
            builder.sslContext(identity.grpcServerContext());
        }
        Server server = builder
                .addService(ServerInterceptors.intercept(discovery.getAggregatedDiscoveryServiceImpl(),
                        ClientIdentityInterceptor.required(identity)))
                .addService(ServerInterceptors.intercept(CertificateService.definition(ca),
                        ClientIdentityInterceptor.optional(identity)))
                .keepAliveTime(KEEPALIVE_TIME.toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(KEEPALIVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .permitKeepAliveTime(CLIENT_KEEPALIVE_MIN.toMillis(), TimeUnit.MILLISECONDS)
                .permitKeepAliveWithoutCalls(true)
                .build()
                .start();
        return new XdsServer(server, tracker, publisher, cache);
    }

    /**
     * The snapshot this server serves {@code node} while the store and registry are in these states, when the node
     * has no identity (insecure xDS): the same translation, without a server, for tools and tests that check what a
     * proxy receives.
     *
     * @throws IllegalArgumentException when the node's {@code weft.*} metadata is invalid, naming the key
     */
    public static Snapshot translate(StoreSnapshot store, RegistrySnapshot registry, Node node) {
        return new Translator(new MeshModel(store, registry), new MtlsResources(store, null))
                .snapshot(NodeInfo.from(node));
    }

    /**
     * The snapshot this server serves {@code node} authenticated as {@code identity}, with {@code bundle} as the CA's
     * trust bundle: with mTLS (inbound filter chains, transport_socket_matches, the ROOTCA secret).
     */
    public static Snapshot translate(StoreSnapshot store, RegistrySnapshot registry, Node node, SpiffeId identity,
                                     TrustBundle bundle) {
        return new Translator(new MeshModel(store, registry), new MtlsResources(store, bundle))
                .snapshot(NodeInfo.from(node).withIdentity(identity));
    }

    public int port() {
        return server.getPort();
    }

    /** Recomputes the snapshots of every connected node shortly (changes within the debounce are coalesced). */
    public void changed() {
        publisher.changed();
    }

    /** The connected xDS clients and their per-type sync status. */
    public List<ProxyStatus> proxies() {
        return tracker.proxies();
    }

    /** The snapshot the control plane currently serves node {@code nodeId}; null when no stream of it is open. */
    public Snapshot snapshot(String nodeId) {
        return cache.getSnapshot(nodeId);
    }

    /** Stops accepting streams and ends the open ones, waiting up to five seconds. */
    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
