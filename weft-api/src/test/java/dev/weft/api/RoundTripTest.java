package dev.weft.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** YAML → records → YAML/JSON → records gives equal records, as {@code weft get -o yaml|json} then {@code weft apply} needs. */
class RoundTripTest {

    private static final Path EXAMPLES = Path.of("src/test/resources/examples");

    @Test
    void everyExampleSurvivesYaml() throws ResourceException {
        ResourceSet loaded = new ResourceLoader().load(EXAMPLES);

        String yaml = ResourceWriter.toYaml(loaded);
        ResourceSet reloaded = new ResourceLoader().load(yaml, "written.yaml");

        assertThat(reloaded.resources()).isEqualTo(loaded.resources());
        assertThat(ResourceWriter.toYaml(reloaded)).isEqualTo(yaml);
    }

    @Test
    void everyExampleSurvivesJsonAsAList() throws ResourceException {
        ResourceSet loaded = new ResourceLoader().load(EXAMPLES);

        String json = ResourceWriter.toJson(loaded);
        ResourceSet reloaded = new ResourceLoader().load(json, "written.json");

        assertThat(json).startsWith("{\n  \"apiVersion\" : \"v1\",\n  \"kind\" : \"List\",");
        assertThat(reloaded.resources()).isEqualTo(loaded.resources());
    }

    @Test
    void oneResourceSurvivesJson() throws ResourceException {
        Resource<?> route = new ResourceLoader().load(EXAMPLES.resolve("canary.yaml")).resources().get(0);

        ResourceSet reloaded = new ResourceLoader().load(ResourceWriter.toJson(route), "route.json");

        assertThat(reloaded.resources()).containsExactly(route);
    }

    @Test
    void storeMetadataAndAwkwardStringsSurvive() throws ResourceException {
        Resource<?> route = new ResourceLoader().load(EXAMPLES.resolve("canary.yaml")).resources().get(0);
        Resource<?> stored = route.withMetadata(route.metadata()
                .withLabels(Map.of("version", "2", "yes", "true", "weft.dev/tier", "null"))
                .withGeneration(7).withResourceVersion("0042"));

        String yaml = ResourceWriter.toYaml(stored);
        ResourceSet reloaded = new ResourceLoader().load(yaml, "stored.yaml");

        assertThat(reloaded.resources()).containsExactly(stored);
        assertThat(yaml).contains("generation: 7", "resourceVersion: \"0042\"");
    }

    @Test
    void writtenCanaryIsTheFamiliarShape() throws ResourceException {
        Resource<?> route = new ResourceLoader().load(EXAMPLES.resolve("canary.yaml")).resources().get(0);

        assertThat(ResourceWriter.toYaml(route)).isEqualTo("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata:
                  name: reviews
                  namespace: bookinfo
                  labels:
                    app: reviews
                spec:
                  parentRefs:
                  - group: ""
                    kind: Service
                    name: reviews
                    port: 9080
                  rules:
                  - matches:
                    - path:
                        type: PathPrefix
                        value: /
                    backendRefs:
                    - name: reviews-v1
                      port: 9080
                      weight: 90
                    - name: reviews-v2
                      port: 9080
                      weight: 10
                """);
    }
}
