package dev.weft.controlplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.Status;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A minimal ADS client speaking state-of-the-world xDS as Envoy does: subscribes to all clusters and listeners, then
 * to the endpoints and route configurations they name, ACKs every response (or NACKs the next one of a type when
 * told to), and keeps the latest response of each type with the time it arrived.
 */
final class AdsTestClient implements AutoCloseable {

    /** The latest response of one type and when it arrived ({@link System#nanoTime()}). */
    record Received(DiscoveryResponse response, long arrivedNanos) {
    }

    private final ManagedChannel channel;
    private final Node node;
    private final StreamObserver<DiscoveryRequest> requests;
    private final Map<String, Received> latest = new ConcurrentHashMap<>();
    private final Map<String, String> nackNext = new ConcurrentHashMap<>();
    private final Map<String, String> accepted = new ConcurrentHashMap<>();
    private final Map<String, List<String>> subscriptions = new ConcurrentHashMap<>();
    private volatile Throwable error;
    private volatile boolean closed;

    /** A client of {@code node} on {@code channel} (which the client closes with itself). */
    AdsTestClient(ManagedChannel channel, Node node) {
        this.channel = channel;
        this.node = node;
        this.requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(new Observer());
        send(Resources.V3.CLUSTER_TYPE_URL, List.of(), "", "", null);
        send(Resources.V3.LISTENER_TYPE_URL, List.of(), "", "", null);
    }

    /** A client over plaintext, for a control plane serving insecure xDS. */
    static AdsTestClient plaintext(int port, Node node) {
        return new AdsTestClient(NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build(), node);
    }

    /** The next response of {@code typeUrl} is NACKed with {@code message}. */
    void nackNext(String typeUrl, String message) {
        nackNext.put(typeUrl, message);
    }

    Received latest(String typeUrl) {
        return latest.get(typeUrl);
    }

    /** The resources of the latest response of a type, by name. */
    <T extends com.google.protobuf.Message> Map<String, T> resources(String typeUrl, Class<T> type) {
        Received received = latest.get(typeUrl);
        Map<String, T> result = new java.util.TreeMap<>();
        if (received == null) {
            return result;
        }
        for (Any any : received.response().getResourcesList()) {
            try {
                T resource = any.unpack(type);
                result.put(Resources.getResourceName(resource), resource);
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException(e);
            }
        }
        return result;
    }

    Map<String, Listener> listeners() {
        return resources(Resources.V3.LISTENER_TYPE_URL, Listener.class);
    }

    Map<String, RouteConfiguration> routes() {
        return resources(Resources.V3.ROUTE_TYPE_URL, RouteConfiguration.class);
    }

    Map<String, Cluster> clusters() {
        return resources(Resources.V3.CLUSTER_TYPE_URL, Cluster.class);
    }

    Map<String, ClusterLoadAssignment> endpoints() {
        return resources(Resources.V3.ENDPOINT_TYPE_URL, ClusterLoadAssignment.class);
    }

    Map<String, Secret> secrets() {
        return resources(Resources.V3.SECRET_TYPE_URL, Secret.class);
    }

    /** Subscribes to secrets by name, as a proxy does for the SDS names its listeners and clusters use. */
    void subscribeSecrets(List<String> names) {
        subscribe(Resources.V3.SECRET_TYPE_URL, names);
    }

    Throwable error() {
        return error;
    }

    /** Drops the connection without ending the stream, as a killed proxy does. */
    void kill() {
        closed = true;
        channel.shutdownNow();
    }

    /** Ends the stream the way a proxy shutting down does: half-close, then close the connection. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            synchronized (requests) {
                requests.onCompleted();
            }
            channel.shutdown();
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void send(String typeUrl, List<String> names, String version, String nonce, String errorMessage) {
        DiscoveryRequest.Builder request = DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(typeUrl)
                .addAllResourceNames(names).setVersionInfo(version).setResponseNonce(nonce);
        if (errorMessage != null) {
            request.setErrorDetail(Status.newBuilder().setCode(3).setMessage(errorMessage));
        }
        synchronized (requests) {
            if (!closed) {
                requests.onNext(request.build());
            }
        }
    }

    private void onResponse(DiscoveryResponse response) {
        String type = response.getTypeUrl();
        String nack = nackNext.remove(type);
        if (nack != null) {
            send(type, names(type), accepted.getOrDefault(type, ""), response.getNonce(), nack);
            return;
        }
        latest.put(type, new Received(response, System.nanoTime()));
        accepted.put(type, response.getVersionInfo());
        send(type, names(type), response.getVersionInfo(), response.getNonce(), null);
        if (type.equals(Resources.V3.CLUSTER_TYPE_URL)) {
            List<String> eds = clusters().values().stream().filter(c -> c.getType() == Cluster.DiscoveryType.EDS)
                    .map(c -> c.getEdsClusterConfig().getServiceName()).sorted().toList();
            subscribe(Resources.V3.ENDPOINT_TYPE_URL, eds);
        } else if (type.equals(Resources.V3.LISTENER_TYPE_URL)) {
            List<String> rds = listeners().values().stream().map(AdsTestClient::routeName).distinct().sorted()
                    .toList();
            subscribe(Resources.V3.ROUTE_TYPE_URL, rds);
        }
    }

    /** Changes the names of a subscription, as Envoy does when CDS or LDS changes. */
    private void subscribe(String typeUrl, List<String> names) {
        if (!names.equals(subscriptions.put(typeUrl, names))) {
            Received last = latest.get(typeUrl);
            send(typeUrl, names, accepted.getOrDefault(typeUrl, ""), last == null ? "" : last.response().getNonce(),
                    null);
        }
    }

    private List<String> names(String typeUrl) {
        return subscriptions.getOrDefault(typeUrl, List.of());
    }

    private static String routeName(Listener listener) {
        try {
            Any config = listener.hasApiListener() ? listener.getApiListener().getApiListener()
                    : listener.getFilterChains(0).getFilters(0).getTypedConfig();
            return config.unpack(HttpConnectionManager.class).getRds().getRouteConfigName();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private final class Observer implements StreamObserver<DiscoveryResponse> {
        @Override
        public void onNext(DiscoveryResponse response) {
            onResponse(response);
        }

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onCompleted() {
        }
    }
}
