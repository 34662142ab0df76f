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
import java.util.function.Consumer;

/**
 * The snapshot cache as the discovery server sees it, except that a NACK waits for the next change. A NACK carries
 * the last version the client accepted, which differs from the snapshot's, so {@link SimpleCache} would answer it
 * at once with the very resources just rejected, and a proxy that keeps rejecting them would loop with the control
 * plane. Here a NACK's watch is opened as if the client had the current version: it is answered when the node's
 * resources of that type change.
 */
final class NackHoldingWatcher implements ConfigWatcher {

    private final SimpleCache<String> cache;

    NackHoldingWatcher(SimpleCache<String> cache) {
        this.cache = cache;
    }

    @Override
    public Watch createWatch(boolean ads, XdsRequest request, Set<String> knownResourceNames,
                             Consumer<Response> responseConsumer, boolean hasClusterChanged,
                             boolean allowDefaultEmptyEdsUpdate) {
        XdsRequest effective = request;
        if (request.hasErrorDetail()) {
            Snapshot snapshot = cache.getSnapshot(request.v3Request().getNode().getId());
            if (snapshot != null && request.getResourceType() != null) {
                String current = snapshot.version(request.getResourceType(), request.getResourceNamesList());
                effective = XdsRequest.create(request.v3Request().toBuilder().setVersionInfo(current).build());
            }
        }
        return cache.createWatch(ads, effective, knownResourceNames, responseConsumer, hasClusterChanged,
                allowDefaultEmptyEdsUpdate);
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
