package dev.weft.controlplane.xds;

import dev.weft.api.Resource;
import dev.weft.api.registry.ServiceInstanceSpec;
import dev.weft.ca.SpiffeId;
import dev.weft.ca.TrustBundle;
import dev.weft.controlplane.TestClock;
import dev.weft.controlplane.Yaml;
import dev.weft.controlplane.registry.ServiceRegistry;
import dev.weft.controlplane.store.ResourceStore;
import dev.weft.controlplane.store.StateFile;
import dev.weft.controlplane.store.StoreSnapshot;
import dev.weft.controlplane.store.StoredState;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A store and registry in a temporary directory, translated for tests without any server. */
final class TestMesh {

    final TestClock clock = new TestClock();
    final ServiceRegistry registry = new ServiceRegistry(clock, Duration.ofSeconds(10), List.of());
    final ResourceStore store;
    /** The CA's trust bundle the ROOTCA secret carries (nodes with an identity need one). */
    TrustBundle bundle;

    TestMesh(Path dataDir) {
        store = new ResourceStore(new StateFile(dataDir), StoredState.EMPTY, registry);
        store.addListener(() -> registry.updateDeclared(store.snapshot()));
    }

    TestMesh apply(String yaml) throws Exception {
        store.apply(Yaml.resources(yaml), false);
        return this;
    }

    @SuppressWarnings("unchecked")
    TestMesh register(String yaml) throws Exception {
        for (Resource<?> instance : Yaml.resources(yaml)) {
            registry.register((Resource<ServiceInstanceSpec>) instance);
        }
        return this;
    }

    Translator translator() {
        StoreSnapshot resources = store.snapshot();
        return new Translator(new MeshModel(resources, registry.snapshot()), new MtlsResources(resources, bundle));
    }

    Snapshot snapshot(io.envoyproxy.envoy.config.core.v3.Node node) {
        return translator().snapshot(NodeInfo.from(node));
    }

    /** The snapshot of {@code node} when its xDS stream was authenticated as {@code identity}. */
    Snapshot snapshot(io.envoyproxy.envoy.config.core.v3.Node node, SpiffeId identity) {
        return translator().snapshot(NodeInfo.from(node).withIdentity(identity));
    }
}
