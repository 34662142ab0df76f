package dev.weft.proxy.xds;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A control plane for tests: java-control-plane's ADS server over a SimpleCache keyed by node id,
 * on a loopback port, recording every DiscoveryRequest it receives (ACKs, NACKs with their
 * error_detail, subscriptions).
 */
final class FakeControlPlane implements AutoCloseable {
    private final SimpleCache<String> cache = new SimpleCache<>(node -> node.getId());
    private final List<DiscoveryRequest> requests = new CopyOnWriteArrayList<>();
    private final Server server;

    private FakeControlPlane(int port) throws IOException {
        V3DiscoveryServer discovery = new V3DiscoveryServer(new DiscoveryServerCallbacks() {
            @Override
            public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
                requests.add(request);
            }

            @Override
            public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
                throw new AssertionError("the proxy speaks State-of-the-World ADS, not delta");
            }
        }, cache);
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(discovery.getAggregatedDiscoveryServiceImpl())
                .build()
                .start();
    }

    /** Starts on an ephemeral port. */
    static FakeControlPlane start() throws IOException {
        return new FakeControlPlane(0);
    }

    /** Starts on {@code port}: a control plane coming back where the proxies expect it. */
    static FakeControlPlane start(int port) throws IOException {
        return new FakeControlPlane(port);
    }

    int port() {
        return server.getPort();
    }

    void set(String nodeId, Snapshot snapshot) {
        cache.setSnapshot(nodeId, snapshot);
    }

    /** Every request received so far, oldest first. */
    List<DiscoveryRequest> requests() {
        return List.copyOf(requests);
    }

    /** Stops at once, cutting open streams, as a crashed control plane would. */
    @Override
    public void close() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }
}
