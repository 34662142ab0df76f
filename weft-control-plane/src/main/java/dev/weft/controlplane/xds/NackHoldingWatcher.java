package dev.weft.controlplane.xds;

import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The snapshot cache as the discovery server sees it, except that a NACK of the current version waits for the next
 * change. A NACK carries the last version the client accepted, which differs from the snapshot's, so
 * {@link SimpleCache} would answer it at once with the very resources just rejected, and a proxy that keeps
 * rejecting them would loop with the control plane. Here a NACK of what the node's snapshot still holds opens its
 * watch as if the client had that version: it is answered when the node's resources of that type change. A NACK of
 * an older version (a fix was applied while the proxy checked the bad one) goes through as it is, so the fix is
 * sent at once.
 */
final class NackHoldingWatcher implements ConfigWatcher {

    private final SimpleCache<String> cache;
    /** The version last sent, by node id and type URL: what a NACK on that node's stream rejects. */
    private final Map<String, String> lastSent = new ConcurrentHashMap<>();

    NackHoldingWatcher(SimpleCache<String> cache) {
        this.cache = cache;
    }

    @Override
    public Watch createWatch(boolean ads, XdsRequest request, Set<String> knownResourceNames,
                             Consumer<Response> responseConsumer, boolean hasClusterChanged,
                             boolean allowDefaultEmptyEdsUpdate) {
        String nodeId = request.v3Request().getNode().getId();
        String key = nodeId + "|" + request.getTypeUrl();
        XdsRequest effective = request;
        if (request.hasErrorDetail()) {
            Snapshot snapshot = cache.getSnapshot(nodeId);
            if (snapshot != null && request.getResourceType() != null) {
                String current = snapshot.version(request.getResourceType(), request.getResourceNamesList());
                if (current.equals(lastSent.get(key))) {
                    effective = XdsRequest.create(request.v3Request().toBuilder().setVersionInfo(current).build());
                }
            }
        }
        Consumer<Response> recording = response -> {
            lastSent.put(key, response.version());
            responseConsumer.accept(response);
        };
        return cache.createWatch(ads, effective, knownResourceNames, recording, hasClusterChanged,
                allowDefaultEmptyEdsUpdate);
    }

    /** Forgets what was sent to a node that is gone. */
    void forget(String nodeId) {
        lastSent.keySet().removeIf(k -> k.startsWith(nodeId + "|"));
    }

    @Override
    public DeltaWatch createDeltaWatch(DeltaXdsRequest request, String requesterVersion,
                                       Map<String, String> resourceVersions, Set<String> pendingResources,
                                       boolean isWildcard, Consumer<DeltaResponse> responseConsumer,
                                       boolean hasClusterChanged) {
        return cache.createDeltaWatch(request, requesterVersion, resourceVersions, pendingResources, isWildcard,
                responseConsumer, hasClusterChanged);
    }
}
