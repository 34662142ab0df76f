package dev.weft.cli.mesh;

import static org.assertj.core.api.Assertions.fail;

import dev.weft.api.ResourceLoader;
import dev.weft.ca.SpiffeId;
import dev.weft.ca.TrustBundle;
import dev.weft.controlplane.registry.ServiceRegistry;
import dev.weft.controlplane.store.ResourceStore;
import dev.weft.controlplane.store.StateFile;
import dev.weft.controlplane.store.StoredState;
import dev.weft.controlplane.xds.XdsServer;
import dev.weft.proxy.config.BootstrapLoader;
import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.config.ProxySnapshot;
import dev.weft.proxy.config.XdsResources;
import dev.weft.proxy.config.XdsSnapshots;
import dev.weft.proxy.rbac.Authorization;
import dev.weft.proxy.sidecar.SidecarBootstrap;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The control plane's store and registry without its servers, and what its translator gives a sidecar, built by the
 * proxy as its ADS client builds a response: the tests that pin down that what the translator emits is what the
 * proxy runs share it.
 */
final class TranslatedMesh {
    final ServiceRegistry registry;
    final ResourceStore store;

    /** An empty mesh whose state file is in {@code dir}. */
    TranslatedMesh(Path dir) {
        registry = new ServiceRegistry(Clock.systemUTC(), Duration.ofSeconds(10), List.of());
        store = new ResourceStore(new StateFile(dir), StoredState.EMPTY, registry);
        store.addListener(() -> registry.updateDeclared(store.snapshot()));
    }

    /** Applies YAML resources, as {@code weft apply} does. */
    void apply(String yaml) throws Exception {
        store.apply(new ResourceLoader().load(yaml, "test.yaml").resources(), false);
    }

    /** What the proxy builds from the translation for a sidecar without identity; a refusal fails the test. */
    XdsSnapshots.Candidate candidate(SidecarBootstrap sidecar) throws Exception {
        return build(sidecar, XdsServer.translate(store.snapshot(), registry.snapshot(), sidecar.toBootstrap().getNode()));
    }

    /** As {@link #candidate(SidecarBootstrap)}, for a sidecar authenticated as {@code identity} (mTLS, ROOTCA). */
    XdsSnapshots.Candidate candidate(SidecarBootstrap sidecar, SpiffeId identity, TrustBundle bundle) throws Exception {
        return build(sidecar, XdsServer.translate(store.snapshot(), registry.snapshot(), sidecar.toBootstrap().getNode(),
                identity, bundle));
    }

    /** The compiled authorization of the inbound listener of {@code proxy}. */
    static Authorization inboundAuthorization(ProxySnapshot proxy) {
        return proxy.listeners().stream().filter(l -> l.name().equals("inbound")).findFirst()
                .orElseThrow(() -> new AssertionError("no inbound listener")).http().authorization();
    }

    private static XdsSnapshots.Candidate build(SidecarBootstrap sidecar, Snapshot snapshot) throws Exception {
        Map<String, Secret> secrets = new HashMap<>();
        snapshot.secrets().resources().forEach((name, secret) -> secrets.put(name, (Secret) secret));
        XdsResources resources = new XdsResources(snapshot.listeners().resources(), snapshot.routes().resources(),
                snapshot.clusters().resources(), snapshot.endpoints().resources(), secrets);
        try {
            return XdsSnapshots.build(BootstrapLoader.build(sidecar.toBootstrap()), resources, "compat");
        } catch (ConfigException e) {
            return fail("the proxy rejects what the translator emits: " + e.getMessage(), e);
        }
    }
}
