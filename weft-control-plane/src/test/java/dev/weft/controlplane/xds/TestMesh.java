package dev.weft.controlplane.xds;

import dev.weft.api.Resource;
import dev.weft.api.registry.ServiceInstanceSpec;
import dev.weft.controlplane.TestClock;
import dev.weft.controlplane.Yaml;
import dev.weft.controlplane.registry.ServiceRegistry;
import dev.weft.controlplane.store.ResourceStore;
import dev.weft.controlplane.store.StateFile;
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
        return new Translator(new MeshModel(store.snapshot(), registry.snapshot()));
    }

    Snapshot snapshot(io.envoyproxy.envoy.config.core.v3.Node node) {
        return translator().snapshot(NodeInfo.from(node));
    }
}
