package dev.weft.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The envelope every kind shares: apiVersion, kind, metadata and spec. */
class EnvelopeValidationTest {

    private static final String SERVICE_SPEC = "spec: {ports: [{port: 80}]}\n";

    static Stream<Arguments> invalidDocuments() {
        return Stream.of(
                arguments("- a\n- b\n", "test.yaml (document 1): must be a resource (an object with apiVersion, "
                        + "kind, metadata and spec), got a list"),
                arguments("apiVersion: weft.dev/v1alpha1\nmetadata: {name: s}\n" + SERVICE_SPEC,
                        "test.yaml (document 1): kind: is required"),
                arguments("kind: Service\nmetadata: {name: s}\n" + SERVICE_SPEC,
                        "test.yaml (document 1, Service default/s): apiVersion: is required"),
                arguments("apiVersion: weft.dev/v1alpha1\nkind: service\nmetadata: {name: s}\n" + SERVICE_SPEC,
                        "test.yaml (document 1): kind: unknown kind \"service\"; did you mean Service?; expected one "
                        + "of HTTPRoute, GRPCRoute, DestinationPolicy, MeshConfig, Service, ServiceInstance, AuthorizationPolicy"),
                arguments("apiVersion: gateway.networking.k8s.io/v1beta1\nkind: HTTPRoute\nmetadata: {name: r}\n"
                                + "spec: {parentRefs: [{group: \"\", kind: Service, name: a}]}\n",
                        "test.yaml (document 1, HTTPRoute default/r): apiVersion: must be gateway.networking.k8s.io/v1 "
                        + "for HTTPRoute, got \"gateway.networking.k8s.io/v1beta1\""),
                arguments("apiVersion: weft.dev/v1alpha1\nkind: Service\n" + SERVICE_SPEC,
                        "test.yaml (document 1, Service): metadata: is required"),
                arguments("apiVersion: weft.dev/v1alpha1\nkind: Service\nmetadata: {namespace: a}\n" + SERVICE_SPEC,
                        "test.yaml (document 1, Service): metadata.name: is required"),
                arguments("apiVersion: weft.dev/v1alpha1\nkind: Service\nmetadata: {name: my_svc}\n" + SERVICE_SPEC,
                        "test.yaml (document 1, Service): metadata.name: must be a lowercase RFC 1123 name (a-z, 0-9, "
                        + "'-' and '.', starting and ending with a letter or digit, at most 253 characters), got "
                        + "\"my_svc\""),
                arguments("apiVersion: weft.dev/v1alpha1\nkind: Service\nmetadata: {name: s, namespace: Prod}\n"
                                + SERVICE_SPEC,
                        "test.yaml (document 1, Service Prod/s): metadata.namespace: must be a lowercase RFC 1123 label "
                        + "(a-z, 0-9 and '-', starting and ending with a letter or digit, at most 63 characters), got "
                        + "\"Prod\""),
                arguments("apiVersion: weft.dev/v1alpha1\nkind: Service\nmetadata: {name: s, labels: {\"a/b/c\": x}}\n"
                                + SERVICE_SPEC,
                        "test.yaml (document 1, Service default/s): metadata.labels[\"a/b/c\"]: key must be a qualified "
                        + "name ([prefix/]name, the name at most 63 characters of a-z, A-Z, 0-9, '-', '_' and '.', "
                        + "starting and ending with a letter or digit), got \"a/b/c\""),
                arguments("apiVersion: weft.dev/v1alpha1\nkind: Service\nmetadata: {name: s, annotations: {\"-a\": x}}\n"
                                + SERVICE_SPEC,
                        "test.yaml (document 1, Service default/s): metadata.annotations[\"-a\"]: key must be a "
                        + "qualified name ([prefix/]name, the name at most 63 characters of a-z, A-Z, 0-9, '-', '_' "
                        + "and '.', starting and ending with a letter or digit), got \"-a\""),
                arguments("apiVersion: weft.dev/v1alpha1\nkind: Service\nmetadata: {name: s, generation: -1}\n"
                                + SERVICE_SPEC,
                        "test.yaml (document 1, Service default/s): metadata.generation: must be between 0 and "
                        + "9223372036854775807, got -1"),
                arguments("apiVersion: weft.dev/v1alpha1\nkind: Service\nmetadata: {name: s, resourceVersion: 12}\n"
                                + SERVICE_SPEC,
                        "test.yaml (document 1, Service default/s): metadata.resourceVersion: must be a string, got "
                        + "number 12"),
                arguments("apiVersion: weft.dev/v1alpha1\nkind: Service\nmetadata: {name: s, uid: x}\n" + SERVICE_SPEC,
                        "test.yaml (document 1, Service default/s): metadata.uid: unknown field; expected one of: "
                        + "name, namespace, labels, annotations, generation, resourceVersion"),
                arguments("apiVersion: weft.dev/v1alpha1\nkind: Service\nmetadata: {name: s}\n",
                        "test.yaml (document 1, Service default/s): spec: is required"),
                arguments("apiVersion: weft.dev/v1alpha1\nkind: Service\nmetadata: {name: s}\nspec: [1]\n",
                        "test.yaml (document 1, Service default/s): spec: must be an object, got a list"),
                arguments("apiVersion: weft.dev/v1alpha1\nkind: Service\nmetadata: {name: s}\n" + SERVICE_SPEC
                                + "status: {}\n",
                        "test.yaml (document 1, Service default/s): status: unknown field; expected one of: apiVersion, "
                        + "kind, metadata, spec"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("invalidDocuments")
    void reportsTheProblemAtItsPath(String document, String expected) {
        assertThat(Loads.problems(document)).containsExactly(expected);
    }

    @Test
    void everyProblemOfADocumentIsReported() {
        String document = Loads.httpRoute(Loads.PARENT + """
                hostnames: [A.example]
                rules:
                - backendRefs: [{name: a, port: 80, weight: -1}]
                  timeouts: {request: forever}
                """);

        assertThat(Loads.problems(document)).containsExactly(
                "test.yaml (document 1, HTTPRoute default/r): spec.hostnames[0]: must be a lowercase DNS hostname "
                        + "(optionally starting with \"*.\"), not an IP address, got \"A.example\"",
                "test.yaml (document 1, HTTPRoute default/r): spec.rules[0].backendRefs[0].weight: must be between 0 "
                        + "and 1000000, got -1",
                "test.yaml (document 1, HTTPRoute default/r): spec.rules[0].timeouts.request: must be a duration such "
                        + "as \"10s\", \"500ms\" or \"1h30m\" (GEP-2257), got string \"forever\"");
    }

    @Test
    void namespaceDefaultsToDefault() {
        Resource<?> service = Loads.load("apiVersion: weft.dev/v1alpha1\nkind: Service\nmetadata: {name: s}\n"
                + SERVICE_SPEC).resources().get(0);

        assertThat(service.metadata().namespace()).isEqualTo("default");
    }
}
