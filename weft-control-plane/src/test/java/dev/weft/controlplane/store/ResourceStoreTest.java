package dev.weft.controlplane.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.api.Kind;
import dev.weft.api.Resource;
import dev.weft.api.ResourceException;
import dev.weft.api.ResourceKey;
import dev.weft.api.registry.ServiceProtocol;
import dev.weft.ca.SpiffeId;
import dev.weft.controlplane.Yaml;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResourceStoreTest {

    private static final String SERVICE = """
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: reviews}
            spec:
              ports: [{port: 9080}]
            """;
    private static final String POLICY = """
            apiVersion: weft.dev/v1alpha1
            kind: DestinationPolicy
            metadata: {name: reviews}
            spec:
              targetRef: {name: reviews}
              subsets:
                - name: reviews-v2
                  labels: {version: v2}
            """;
    private static final String ROUTE = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: reviews}
            spec:
              parentRefs: [{group: "", kind: Service, name: reviews}]
              rules:
                - backendRefs:
                    - {name: reviews, port: 9080, weight: 90}
                    - {group: weft.dev, kind: Subset, name: reviews-v2, port: 9080, weight: 10}
            """;

    @TempDir
    Path dataDir;

    private ResourceStore open(ServiceDirectory directory) throws IOException {
        StateFile file = new StateFile(dataDir);
        return new ResourceStore(file, file.load(), directory);
    }

    @Test
    void appliesABatchAndReportsWhatChanged() throws Exception {
        ResourceStore store = open((ns, s) -> false);

        ApplyResult first = store.apply(Yaml.resources(SERVICE + "---\n" + POLICY + "---\n" + ROUTE), false);

        assertThat(first.generation()).isEqualTo(1);
        assertThat(first.changes()).extracting(c -> c.action()).containsOnly(ApplyResult.Action.CREATED);
        Resource<?> stored = store.get(new ResourceKey(Kind.HTTP_ROUTE, "default", "reviews")).orElseThrow();
        assertThat(stored.metadata().generation()).isEqualTo(1);
        assertThat(stored.metadata().resourceVersion()).isEqualTo("1");

        String changedRoute = ROUTE.replace("weight: 90", "weight: 50");
        ApplyResult second = store.apply(Yaml.resources(SERVICE + "---\n" + changedRoute), false);

        assertThat(second.generation()).isEqualTo(2);
        assertThat(second.changes()).extracting(c -> c.key().kind() + ":" + c.action())
                .containsExactly("Service:UNCHANGED", "HTTPRoute:CONFIGURED");
        assertThat(store.get(stored.key()).orElseThrow().metadata().generation()).isEqualTo(2);
    }

    @Test
    void reapplyingWhatIsStoredChangesNothing() throws Exception {
        ResourceStore store = open((ns, s) -> false);
        store.apply(Yaml.resources(SERVICE), false);
        // what `weft get -o yaml` returns carries generation and resourceVersion; applying it back is a no-op
        Resource<?> roundTrip = store.list(Kind.SERVICE, null).get(0);

        ApplyResult result = store.apply(List.of(roundTrip), false);

        assertThat(result.changes()).extracting(c -> c.action()).containsExactly(ApplyResult.Action.UNCHANGED);
        assertThat(result.generation()).isEqualTo(1);
    }

    @Test
    void oneBadResourceInABatchAppliesNothingAndNamesResourceAndField() throws Exception {
        ResourceStore store = open((ns, s) -> false);
        String badRoute = ROUTE.replace("name: reviews-v2, port", "name: reviews-v3, port");

        assertThatThrownBy(() -> store.apply(Yaml.resources(SERVICE + "---\n" + POLICY + "---\n" + badRoute), false))
                .isInstanceOf(ResourceException.class)
                .hasMessageContaining("HTTPRoute default/reviews")
                .hasMessageContaining("spec.rules[0].backendRefs[1].name")
                .hasMessageContaining("subset \"reviews-v3\"");

        assertThat(store.snapshot().resources()).isEmpty();
        assertThat(store.generation()).isZero();
        assertThat(Files.exists(dataDir.resolve(StateFile.FILE_NAME))).isFalse();
    }

    @Test
    void aRouteToAServiceThatDoesNotExistIsRejectedUnlessItHasInstances() throws Exception {
        ResourceStore strict = open((ns, s) -> false);
        String route = ROUTE.replace("- {group: weft.dev, kind: Subset, name: reviews-v2, port: 9080, weight: 10}\n",
                "");

        assertThatThrownBy(() -> strict.apply(Yaml.resources(route), false))
                .isInstanceOf(ResourceException.class)
                .hasMessageContaining("spec.parentRefs[0].name: Service default/reviews does not exist");

        ResourceStore registered = open((ns, s) -> ns.equals("default") && s.equals("reviews"));
        assertThat(registered.apply(Yaml.resources(route), false).changes()).hasSize(1);
    }

    @Test
    void aBackendPortTheServiceDoesNotDeclareIsRejected() throws Exception {
        ResourceStore store = open((ns, s) -> false);
        String route = ROUTE.replace("- {group: weft.dev, kind: Subset, name: reviews-v2, port: 9080, weight: 10}\n",
                "").replace("port: 9080, weight: 90", "port: 9999");

        assertThatThrownBy(() -> store.apply(Yaml.resources(SERVICE + "---\n" + route), false))
                .hasMessageContaining("spec.rules[0].backendRefs[0].port: Service default/reviews has no port 9999");
    }

    @Test
    void crossChecksRunAgainstWhatIsStored() throws Exception {
        ResourceStore store = open((ns, s) -> false);
        store.apply(Yaml.resources(SERVICE + "---\n" + POLICY), false);
        String secondPolicy = POLICY.replace("metadata: {name: reviews}", "metadata: {name: other}")
                .replace("reviews-v2", "reviews-v9");

        assertThatThrownBy(() -> store.apply(Yaml.resources(secondPolicy), false))
                .hasMessageContaining("DestinationPolicy default/other")
                .hasMessageContaining("spec.targetRef.name")
                .hasMessageContaining("at most one DestinationPolicy");
    }

    @Test
    void dryRunReportsWithoutCommitting() throws Exception {
        ResourceStore store = open((ns, s) -> false);
        store.apply(Yaml.resources(SERVICE), false);

        ApplyResult dryRun = store.apply(Yaml.resources(SERVICE.replace("9080", "9090") + "---\n" + POLICY), true);

        assertThat(dryRun.dryRun()).isTrue();
        assertThat(dryRun.generation()).isEqualTo(1);
        assertThat(dryRun.changes()).extracting(c -> c.action())
                .containsExactly(ApplyResult.Action.CONFIGURED, ApplyResult.Action.CREATED);
        assertThat(store.list(Kind.DESTINATION_POLICY, null)).isEmpty();
        assertThat(store.generation()).isEqualTo(1);
    }

    @Test
    void deletesByKey() throws Exception {
        ResourceStore store = open((ns, s) -> false);
        store.apply(Yaml.resources(SERVICE + "---\n" + POLICY), false);
        ResourceKey policy = new ResourceKey(Kind.DESTINATION_POLICY, "default", "reviews");

        assertThat(store.delete(policy)).isPresent();
        assertThat(store.delete(policy)).isEmpty();

        assertThat(store.get(policy)).isEmpty();
        assertThat(store.generation()).isEqualTo(2);
    }

    @Test
    void aRestartFromTheDataDirectoryKeepsResourcesInstancesAndGeneration() throws Exception {
        ResourceStore store = open((ns, s) -> false);
        store.apply(Yaml.resources(SERVICE + "---\n" + POLICY + "---\n" + ROUTE), false);
        PersistedInstance instance = new PersistedInstance("default", "reviews-1", "reviews", "10.0.0.1", 9080,
                ServiceProtocol.HTTP2, Map.of("version", "v2"), Duration.ofSeconds(10), "api", null);
        PersistedInstance sidecar = new PersistedInstance("default", "reviews-2", "reviews", "10.0.0.2", 15006,
                null, Map.of(), Duration.ofSeconds(10), "sidecar",
                SpiffeId.parse("spiffe://cluster.local/ns/default/sa/reviews"));
        store.saveInstances(List.of(instance, sidecar));
        store.delete(new ResourceKey(Kind.HTTP_ROUTE, "default", "reviews"));

        StoredState reloaded = new StateFile(dataDir).load();

        assertThat(reloaded.generation()).isEqualTo(2);
        assertThat(reloaded.resources()).extracting(r -> r.key().toString())
                .containsExactlyInAnyOrder("Service default/reviews", "DestinationPolicy default/reviews");
        assertThat(reloaded.resources()).containsExactlyInAnyOrderElementsOf(store.snapshot().resources().values());
        assertThat(reloaded.instances()).containsExactly(instance, sidecar);
        assertThat(Files.list(dataDir)).extracting(p -> p.getFileName().toString())
                .containsExactly(StateFile.FILE_NAME);
    }

    @Test
    void aCorruptStateFileIsAnErrorNamingTheFile() throws Exception {
        Files.writeString(dataDir.resolve(StateFile.FILE_NAME), "{\"format\": 1, \"generation\": 3, \"resou");

        assertThatThrownBy(() -> new StateFile(dataDir).load())
                .isInstanceOf(CorruptStateException.class)
                .hasMessageContaining(dataDir.resolve(StateFile.FILE_NAME).toString())
                .hasMessageContaining("not JSON");
    }

    @Test
    void aStateFileWithAnInvalidResourceIsAnErrorNamingTheFileAndField() throws Exception {
        Files.writeString(dataDir.resolve(StateFile.FILE_NAME), """
                {"format": 1, "generation": 1, "instances": [],
                 "resources": {"apiVersion": "v1", "kind": "List", "items": [
                   {"apiVersion": "weft.dev/v1alpha1", "kind": "Service", "metadata": {"name": "x"},
                    "spec": {"ports": [{"port": 70000}]}}]}}
                """);

        assertThatThrownBy(() -> new StateFile(dataDir).load())
                .isInstanceOf(CorruptStateException.class)
                .hasMessageContaining(StateFile.FILE_NAME)
                .hasMessageContaining("spec.ports[0].port");
    }
}
