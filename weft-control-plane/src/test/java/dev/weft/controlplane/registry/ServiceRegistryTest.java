package dev.weft.controlplane.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.api.Resource;
import dev.weft.api.registry.ServiceInstanceSpec;
import dev.weft.ca.SpiffeId;
import dev.weft.controlplane.TestClock;
import dev.weft.controlplane.Yaml;
import dev.weft.controlplane.store.PersistedInstance;
import dev.weft.controlplane.store.ResourceStore;
import dev.weft.controlplane.store.StateFile;
import dev.weft.controlplane.store.StoredState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceRegistryTest {

    private static final Duration SIDECAR_TTL = Duration.ofSeconds(10);

    private final TestClock clock = new TestClock();
    private final ServiceRegistry registry = new ServiceRegistry(clock, SIDECAR_TTL, List.of());

    @TempDir
    Path dataDir;

    @SuppressWarnings("unchecked")
    private static Resource<ServiceInstanceSpec> instance(String name, String ttl) {
        return (Resource<ServiceInstanceSpec>) Yaml.resources("""
                apiVersion: weft.dev/v1alpha1
                kind: ServiceInstance
                metadata: {name: %s, labels: {version: v1}}
                spec: {service: reviews, address: 10.0.0.1, port: 9080%s}
                """.formatted(name, ttl == null ? "" : ", ttl: " + ttl)).get(0);
    }

    private InstanceHealth health(String name) {
        return registry.snapshot().service("default", "reviews").orElseThrow().instances().stream()
                .filter(i -> i.name().equals(name)).findFirst().orElseThrow().health();
    }

    @Test
    void anInstanceExpiresWhenItsHeartbeatsStop() throws Exception {
        AtomicInteger changes = new AtomicInteger();
        registry.addListener(changes::incrementAndGet);
        registry.register(instance("reviews-1", "30s"));
        int afterRegister = changes.get();

        clock.advance(Duration.ofSeconds(29));
        registry.tick();
        assertThat(health("reviews-1")).isEqualTo(InstanceHealth.HEALTHY);
        assertThat(changes.get()).isEqualTo(afterRegister);

        clock.advance(Duration.ofSeconds(2));
        registry.tick();
        assertThat(health("reviews-1")).isEqualTo(InstanceHealth.EXPIRED);
        assertThat(changes.get()).isEqualTo(afterRegister + 1);
    }

    @Test
    void aHeartbeatKeepsAnInstanceAliveAndRevivesAnExpiredOne() throws Exception {
        registry.register(instance("reviews-1", "30s"));

        clock.advance(Duration.ofSeconds(20));
        assertThat(registry.heartbeat("default", "reviews-1")).isTrue();
        clock.advance(Duration.ofSeconds(20));
        registry.tick();
        assertThat(health("reviews-1")).isEqualTo(InstanceHealth.HEALTHY);

        clock.advance(Duration.ofSeconds(20));
        registry.tick();
        assertThat(health("reviews-1")).isEqualTo(InstanceHealth.EXPIRED);
        assertThat(registry.heartbeat("default", "reviews-1")).isTrue();
        assertThat(health("reviews-1")).isEqualTo(InstanceHealth.HEALTHY);

        assertThat(registry.heartbeat("default", "unknown")).isFalse();
    }

    @Test
    void anInstanceWithoutTtlNeverExpires() throws Exception {
        registry.register(instance("reviews-1", null));

        clock.advance(Duration.ofDays(3));
        registry.tick();

        assertThat(health("reviews-1")).isEqualTo(InstanceHealth.HEALTHY);
        assertThat(registry.snapshot().service("default", "reviews").orElseThrow().instances().get(0)
                .lastHeartbeat()).isNull();
    }

    @Test
    void deregisterRemovesTheInstanceAndItsImplicitService() throws Exception {
        registry.register(instance("reviews-1", "30s"));
        assertThat(registry.hasInstances("default", "reviews")).isTrue();

        assertThat(registry.deregister("default", "reviews-1")).isTrue();
        assertThat(registry.deregister("default", "reviews-1")).isFalse();

        assertThat(registry.snapshot().services()).isEmpty();
        assertThat(registry.hasInstances("default", "reviews")).isFalse();
    }

    @Test
    void expiredRunTimeInstancesAreForgottenAfterTheRetention() throws Exception {
        registry.register(instance("reviews-1", "30s"));

        clock.advance(Duration.ofSeconds(31));
        registry.tick();
        assertThat(health("reviews-1")).isEqualTo(InstanceHealth.EXPIRED);

        clock.advance(ServiceRegistry.EXPIRED_RETENTION);
        registry.tick();
        assertThat(registry.snapshot().services()).isEmpty();
    }

    @Test
    void aSidecarIsAliveWhileItsStreamIsOpenAndExpiresOneTtlAfterItCloses() {
        SidecarRegistration sidecar = new SidecarRegistration("default", "reviews-a", "reviews", "127.0.0.1", 15001,
                null, Map.of("version", "v2"), null);
        registry.sidecarStreamOpened(sidecar);

        clock.advance(SIDECAR_TTL.multipliedBy(5));
        registry.tick();
        assertThat(health("reviews-a")).isEqualTo(InstanceHealth.HEALTHY);

        registry.sidecarStreamClosed("default", "reviews-a");
        clock.advance(SIDECAR_TTL.minusSeconds(1));
        registry.tick();
        assertThat(health("reviews-a")).isEqualTo(InstanceHealth.HEALTHY);

        clock.advance(Duration.ofSeconds(2));
        registry.tick();
        InstanceView view = registry.snapshot().service("default", "reviews").orElseThrow().instances().get(0);
        assertThat(view.health()).isEqualTo(InstanceHealth.EXPIRED);
        assertThat(view.source()).isEqualTo(InstanceSource.SIDECAR);
        assertThat(view.labels()).containsEntry("version", "v2");
    }

    @Test
    void aSidecarWithTwoStreamsStaysAliveUntilBothClose() {
        SidecarRegistration sidecar = new SidecarRegistration("default", "reviews-a", "reviews", "127.0.0.1", 15001,
                null, Map.of(), null);
        registry.sidecarStreamOpened(sidecar);
        registry.sidecarStreamOpened(sidecar);

        registry.sidecarStreamClosed("default", "reviews-a");
        clock.advance(SIDECAR_TTL.multipliedBy(2));
        registry.tick();

        assertThat(health("reviews-a")).isEqualTo(InstanceHealth.HEALTHY);
    }

    @Test
    void persistedInstancesGetOneTtlOfGraceAfterARestart() {
        PersistedInstance sidecar = new PersistedInstance("default", "reviews-a", "reviews", "127.0.0.1", 15001,
                null, Map.of(), SIDECAR_TTL, "sidecar", SpiffeId.parse("spiffe://cluster.local/ns/default/sa/reviews"));
        ServiceRegistry restarted = new ServiceRegistry(clock, SIDECAR_TTL, List.of(sidecar));

        assertThat(restarted.snapshot().services().get(0).instances().get(0).identity())
                .as("callers keep using mTLS to it while it reconnects").isEqualTo(sidecar.identity());
        clock.advance(SIDECAR_TTL.minusSeconds(1));
        restarted.tick();
        assertThat(restarted.snapshot().services().get(0).instances().get(0).healthy()).isTrue();

        clock.advance(Duration.ofSeconds(2));
        restarted.tick();
        assertThat(restarted.snapshot().services().get(0).instances().get(0).healthy()).isFalse();
    }

    @Test
    void staticInstancesComeFromTheStoreAndCannotBeDeregisteredThroughTheApi() throws Exception {
        StateFile file = new StateFile(dataDir);
        ResourceStore store = new ResourceStore(file, StoredState.EMPTY, registry);
        store.apply(Yaml.resources("""
                apiVersion: weft.dev/v1alpha1
                kind: Service
                metadata: {name: reviews}
                spec: {ports: [{port: 9080, protocol: HTTP2}]}
                ---
                apiVersion: weft.dev/v1alpha1
                kind: ServiceInstance
                metadata: {name: reviews-static}
                spec: {service: reviews, address: 10.0.0.9, port: 9080}
                """), false);
        registry.updateDeclared(store.snapshot());

        ServiceView service = registry.snapshot().service("default", "reviews").orElseThrow();
        assertThat(service.declared()).isTrue();
        assertThat(service.instances()).extracting(InstanceView::name, InstanceView::source)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("reviews-static", InstanceSource.STATIC));
        assertThatThrownBy(() -> registry.deregister("default", "reviews-static"))
                .isInstanceOf(DeclaredInstanceException.class);
        assertThatThrownBy(() -> registry.register(instance("reviews-static", "10s")))
                .isInstanceOf(DeclaredInstanceException.class);
    }

    @Test
    void runTimeInstancesArePersistedWhenTheyComeAndGoButNotOnHeartbeats() throws Exception {
        List<List<PersistedInstance>> saves = new ArrayList<>();
        registry.setPersister(saves::add);

        registry.register(instance("reviews-1", "30s"));
        registry.heartbeat("default", "reviews-1");
        registry.deregister("default", "reviews-1");

        assertThat(saves).hasSize(2);
        assertThat(saves.get(0)).extracting(PersistedInstance::name).containsExactly("reviews-1");
        assertThat(saves.get(1)).isEmpty();
    }

    @Test
    void theCheckIntervalIsAQuarterOfTheShortestTtl() throws Exception {
        assertThat(registry.checkInterval()).isEqualTo(Duration.ofSeconds(1));

        registry.register(instance("reviews-1", "2s"));

        assertThat(registry.checkInterval()).isEqualTo(Duration.ofMillis(500));
    }
}
