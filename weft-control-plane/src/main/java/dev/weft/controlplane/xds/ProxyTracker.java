package dev.weft.controlplane.xds;

import dev.weft.controlplane.identity.ClientIdentityInterceptor;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.exception.RequestException;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Follows every ADS stream: learns its node from the first request (and hands it to {@link StreamListener}, which
 * computes the node's snapshot before the cache answers that request), records per resource type the version and
 * nonce sent, the version acked and the last NACK's reason, and reports the stream's end. Called by
 * java-control-plane on gRPC threads; a stream's requests arrive in order, its responses on the publishing thread.
 */
final class ProxyTracker implements DiscoveryServerCallbacks {

    /** What the rest of the control plane does when a stream learns its node, sends a request, or ends. */
    interface StreamListener {
        void opened(NodeInfo node);

        void request(NodeInfo node);

        void closed(NodeInfo node);
    }

    private static final Map<String, String> TYPE_NAMES = Map.of(
            Resources.V3.LISTENER_TYPE_URL, "LDS",
            Resources.V3.ROUTE_TYPE_URL, "RDS",
            Resources.V3.CLUSTER_TYPE_URL, "CDS",
            Resources.V3.ENDPOINT_TYPE_URL, "EDS",
            Resources.V3.SECRET_TYPE_URL, "SDS");

    private final Clock clock;
    private final NodeAdmission admission;
    private final StreamListener listener;
    private final Map<Long, Stream> streams = new ConcurrentHashMap<>();

    ProxyTracker(Clock clock, NodeAdmission admission, StreamListener listener) {
        this.clock = clock;
        this.admission = admission;
        this.listener = listener;
    }

    @Override
    public void onStreamOpen(long streamId, String typeUrl) {
        streams.put(streamId, new Stream(streamId, clock.instant()));
    }

    @Override
    public void onV3StreamRequest(long streamId, DiscoveryRequest request) throws RequestException {
        Stream stream = streams.get(streamId);
        if (stream == null) {
            return;
        }
        boolean first;
        synchronized (stream) {
            first = stream.node == null;
            if (first) {
                try {
                    // the call's context holds the client certificate's identity (ClientIdentityInterceptor)
                    stream.node = admission.admit(NodeInfo.from(request.getNode()),
                            ClientIdentityInterceptor.current());
                } catch (IllegalArgumentException e) {
                    // the server ends the stream without a close callback
                    streams.remove(streamId);
                    throw new RequestException(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
                } catch (RequestException e) {
                    streams.remove(streamId);
                    throw e;
                }
            }
            String type = TYPE_NAMES.get(request.getTypeUrl());
            if (type != null) {
                TypeState state = stream.types.computeIfAbsent(type, t -> new TypeState());
                state.acked = request.getVersionInfo().isEmpty() ? null : request.getVersionInfo();
                if (request.getResponseNonce().equals(state.sentNonce)) {
                    state.error = request.hasErrorDetail() ? request.getErrorDetail().getMessage() : null;
                }
            }
        }
        if (first) {
            listener.opened(stream.node);
        } else {
            listener.request(stream.node);
        }
    }

    @Override
    public void onV3StreamResponse(long streamId, DiscoveryRequest request, DiscoveryResponse response) {
        Stream stream = streams.get(streamId);
        String type = TYPE_NAMES.get(response.getTypeUrl());
        if (stream == null || type == null) {
            return;
        }
        synchronized (stream) {
            TypeState state = stream.types.computeIfAbsent(type, t -> new TypeState());
            state.sent = response.getVersionInfo();
            state.sentNonce = response.getNonce();
            state.error = null;
        }
    }

    @Override
    public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) throws RequestException {
        streams.remove(streamId);
        throw new RequestException(Status.UNIMPLEMENTED.withDescription(
                "incremental (delta) xDS is not served; use state-of-the-world ADS"));
    }

    @Override
    public void onStreamClose(long streamId, String typeUrl) {
        closed(streamId);
    }

    @Override
    public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
        closed(streamId);
    }

    private void closed(long streamId) {
        Stream stream = streams.remove(streamId);
        NodeInfo node;
        if (stream == null) {
            return;
        }
        synchronized (stream) {
            node = stream.node;
        }
        if (node != null) {
            listener.closed(node);
        }
    }

    /** Every connected node (the newest stream of each node id), by id. */
    List<ProxyStatus> proxies() {
        Map<String, Stream> newest = new HashMap<>();
        for (Stream stream : streams.values()) {
            synchronized (stream) {
                if (stream.node != null) {
                    newest.merge(stream.node.id(), stream, (a, b) -> a.id > b.id ? a : b);
                }
            }
        }
        List<ProxyStatus> result = new ArrayList<>();
        for (Stream stream : newest.values()) {
            synchronized (stream) {
                Map<String, ProxyStatus.TypeStatus> types = new LinkedHashMap<>();
                for (String type : List.of("LDS", "RDS", "CDS", "EDS", "SDS")) {
                    TypeState state = stream.types.get(type);
                    // secrets only for the streams that use them (sidecars with an identity)
                    if (state == null && type.equals("SDS")) {
                        continue;
                    }
                    types.put(type, state == null ? new ProxyStatus.TypeStatus(ProxyStatus.SyncStatus.NOT_SENT,
                            null, null, null) : state.status());
                }
                NodeInfo node = stream.node;
                result.add(new ProxyStatus(node.id(), node.namespace(), node.service() == null ? "" : node.service(),
                        stream.connectedAt, types, node.adminAddress(), node.labels()));
            }
        }
        result.sort(Comparator.comparing(ProxyStatus::id));
        return result;
    }

    /** One ADS stream; guarded by its own monitor. */
    private static final class Stream {
        final long id;
        final Instant connectedAt;
        final Map<String, TypeState> types = new HashMap<>();
        NodeInfo node;

        Stream(long id, Instant connectedAt) {
            this.id = id;
            this.connectedAt = connectedAt;
        }
    }

    /** One resource type of one stream. */
    private static final class TypeState {
        String sent;
        String sentNonce;
        String acked;
        String error;

        ProxyStatus.TypeStatus status() {
            ProxyStatus.SyncStatus status = sent == null ? ProxyStatus.SyncStatus.NOT_SENT
                    : sent.equals(acked) ? ProxyStatus.SyncStatus.SYNCED : ProxyStatus.SyncStatus.STALE;
            return new ProxyStatus.TypeStatus(status, sent, acked, error);
        }
    }
}
