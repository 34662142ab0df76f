package dev.weft.api;

import static dev.weft.api.Loads.PARENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The validation rules of GRPCRoute, DestinationPolicy, MeshConfig, Service and ServiceInstance: document, then the one problem. */
class KindValidationTest {

    private static final String WEFT = "weft.dev/v1alpha1";

    static Stream<Arguments> invalidDocuments() {
        return Stream.of(
                // GRPCRoute
                arguments(Loads.grpcRoute(PARENT + "rules: [{matches: [{method: {type: Exact}}]}]\n"),
                        "GRPCRoute default/g", "spec.rules[0].matches[0].method: must set service, method or both"),
                arguments(Loads.grpcRoute(PARENT + "rules: [{matches: [{method: {service: \"helloworld/Greeter\"}}]}]\n"),
                        "GRPCRoute default/g", "spec.rules[0].matches[0].method.service: must be a gRPC service name "
                        + "such as \"helloworld.Greeter\", got \"helloworld/Greeter\""),
                arguments(Loads.grpcRoute(PARENT + "rules: [{matches: [{method: {method: Say.Hello}}]}]\n"),
                        "GRPCRoute default/g", "spec.rules[0].matches[0].method.method: must be a gRPC method name "
                        + "such as \"SayHello\", got \"Say.Hello\""),
                arguments(Loads.grpcRoute(PARENT
                                + "rules: [{matches: [{method: {type: RegularExpression, method: \"Say(\"}}]}]\n"),
                        "GRPCRoute default/g", "spec.rules[0].matches[0].method.method: must be a valid regular "
                        + "expression: Unclosed group near index 4 of \"Say(\""),
                arguments(Loads.grpcRoute(PARENT + "rules: [{matches: [{method: {service: " + "s".repeat(1025) + "}}]}]\n"),
                        "GRPCRoute default/g", "spec.rules[0].matches[0].method.service: must be at most 1024 characters"),
                arguments(Loads.grpcRoute(PARENT + "rules: [{matches: [" + "{},".repeat(8) + "{}]}]\n"),
                        "GRPCRoute default/g", "spec.rules[0].matches: must have at most 8 items, got 9"),
                arguments(Loads.grpcRoute(PARENT
                                + "rules: [{filters: [{type: RequestRedirect}]}]\n"),
                        "GRPCRoute default/g", "spec.rules[0].filters[0].type: must be one of RequestHeaderModifier, "
                        + "ResponseHeaderModifier, RequestMirror, got \"RequestRedirect\""),
                arguments(Loads.grpcRoute(PARENT + """
                                rules:
                                - filters:
                                  - {type: ResponseHeaderModifier, responseHeaderModifier: {remove: [a]}}
                                  - {type: ResponseHeaderModifier, responseHeaderModifier: {remove: [b]}}
                                """),
                        "GRPCRoute default/g", "spec.rules[0].filters[1].type: ResponseHeaderModifier may appear only "
                        + "once in a filter list (first at filters[0])"),
                arguments(Loads.grpcRoute(PARENT + "rules: [{backendRefs: [{name: a, port: 80, weight: 1000001}]}]\n"),
                        "GRPCRoute default/g", "spec.rules[0].backendRefs[0].weight: must be between 0 and 1000000, "
                        + "got 1000001"),
                arguments(Loads.grpcRoute(PARENT + "rules: [{timeouts: {request: 1s}}]\n"),
                        "GRPCRoute default/g", "spec.rules[0].timeouts: unknown field; expected one of: matches, "
                        + "filters, backendRefs"),
                // DestinationPolicy
                arguments(Loads.policy("targetRef: {name: reviews}\ncircuitBreaker: {maxRequests: 10}\n"),
                        "DestinationPolicy default/p", "spec.circuitBreaker: not supported yet: circuit breaking is "
                        + "planned for DestinationPolicy but not implemented, so it would be ignored; remove it"),
                arguments(Loads.policy("targetRef: {name: reviews}\noutlierDetection: {consecutive5xx: 3}\n"),
                        "DestinationPolicy default/p", "spec.outlierDetection: not supported yet: outlier detection is "
                        + "planned for DestinationPolicy but not implemented, so it would be ignored; remove it"),
                arguments(Loads.policy("targetRef: {name: reviews}\nretries: {}\n"),
                        "DestinationPolicy default/p", "spec.retries: unknown field; expected one of: targetRef, "
                        + "loadBalancer, connectionPool, subsets"),
                arguments(Loads.policy("subsets: []\n"),
                        "DestinationPolicy default/p", "spec.targetRef: is required"),
                arguments(Loads.policy("targetRef: {kind: Deployment, name: reviews}\n"),
                        "DestinationPolicy default/p", "spec.targetRef.kind: must be Service, got \"Deployment\""),
                arguments(Loads.policy("targetRef: {name: reviews}\nloadBalancer: {algorithm: WEIGHTED}\n"),
                        "DestinationPolicy default/p", "spec.loadBalancer.algorithm: must be one of ROUND_ROBIN, "
                        + "LEAST_REQUEST, RANDOM, RING_HASH, got \"WEIGHTED\""),
                arguments(Loads.policy("targetRef: {name: reviews}\n"
                                + "loadBalancer: {algorithm: LEAST_REQUEST, hash: {header: x-user}}\n"),
                        "DestinationPolicy default/p", "spec.loadBalancer.hash: is only used by algorithm RING_HASH, "
                        + "got algorithm LEAST_REQUEST"),
                arguments(Loads.policy("targetRef: {name: reviews}\nloadBalancer: {algorithm: RING_HASH}\n"),
                        "DestinationPolicy default/p", "spec.loadBalancer.hash: is required when algorithm is RING_HASH"),
                arguments(Loads.policy("targetRef: {name: reviews}\n"
                                + "loadBalancer: {algorithm: RING_HASH, hash: {header: x-user, sourceIP: true}}\n"),
                        "DestinationPolicy default/p", "spec.loadBalancer.hash: must set exactly one of header, cookie "
                        + "or sourceIP, got 2"),
                arguments(Loads.policy("targetRef: {name: reviews}\n"
                                + "loadBalancer: {algorithm: RING_HASH, hash: {sourceIP: false}}\n"),
                        "DestinationPolicy default/p", "spec.loadBalancer.hash.sourceIP: must be true when set (it is "
                        + "the only hash key here)"),
                arguments(Loads.policy("targetRef: {name: reviews}\n"
                                + "loadBalancer: {algorithm: RING_HASH, hash: {cookie: \"a b\"}}\n"),
                        "DestinationPolicy default/p", "spec.loadBalancer.hash.cookie: must be a cookie name (RFC 6265 "
                        + "token), got \"a b\""),
                arguments(Loads.policy("targetRef: {name: reviews}\n"
                                + "loadBalancer: {algorithm: RING_HASH, hash: {header: \"x user\"}}\n"),
                        "DestinationPolicy default/p", "spec.loadBalancer.hash.header: must be an HTTP header name "
                        + "(RFC 7230 token characters, at most 256), got \"x user\""),
                arguments(Loads.policy("targetRef: {name: reviews}\nloadBalancer: {hash: {sourceIP: true}}\n"),
                        "DestinationPolicy default/p", "spec.loadBalancer.hash: is only used by algorithm RING_HASH, "
                        + "got no algorithm"),
                arguments(Loads.policy("targetRef: {group: apps, name: reviews}\n"),
                        "DestinationPolicy default/p", "spec.targetRef.group: must be \"\" (or \"core\") for a Service, "
                        + "got \"apps\""),
                arguments(Loads.policy("targetRef: {name: reviews}\nconnectionPool: {maxConnections: 0}\n"),
                        "DestinationPolicy default/p", "spec.connectionPool.maxConnections: must be at least 1, got 0"),
                arguments(Loads.policy("targetRef: {name: reviews}\nconnectionPool: {connectTimeout: 0s}\n"),
                        "DestinationPolicy default/p", "spec.connectionPool.connectTimeout: must be greater than 0s"),
                arguments(Loads.policy("targetRef: {name: reviews}\nconnectionPool: {http2: \"yes\"}\n"),
                        "DestinationPolicy default/p", "spec.connectionPool.http2: must be true or false, got string "
                        + "\"yes\""),
                arguments(Loads.policy("targetRef: {name: reviews}\nsubsets: [{name: reviews-v2}]\n"),
                        "DestinationPolicy default/p", "spec.subsets[0].labels: is required: the labels that select the "
                        + "subset's instances"),
                arguments(Loads.policy("targetRef: {name: reviews}\nsubsets: [{name: v2, labels: {version: 2}}]\n"),
                        "DestinationPolicy default/p", "spec.subsets[0].labels.version: must be a string, got number 2 "
                        + "(quote it)"),
                arguments(Loads.policy("targetRef: {name: reviews}\n"
                                + "subsets: [{name: v2, labels: {\"app.kubernetes.io/version\": \"-v2\"}}]\n"),
                        "DestinationPolicy default/p", "spec.subsets[0].labels[\"app.kubernetes.io/version\"]: must be "
                        + "at most 63 characters of a-z, A-Z, 0-9, '-', '_' and '.', starting and ending with a letter "
                        + "or digit, got \"-v2\""),
                arguments(Loads.policy("targetRef: {name: reviews}\nsubsets: [{name: v2, labels: [version]}]\n"),
                        "DestinationPolicy default/p", "spec.subsets[0].labels: must be a map of strings, got a list"),
                arguments(Loads.policy("targetRef: {name: reviews}\nsubsets: [{name: V2, labels: {a: b}}]\n"),
                        "DestinationPolicy default/p", "spec.subsets[0].name: must be a lowercase RFC 1123 name (a-z, "
                        + "0-9, '-' and '.', starting and ending with a letter or digit, at most 253 characters), got "
                        + "\"V2\""),
                arguments(Loads.policy("targetRef: {name: reviews}\n"
                                + "subsets: [{name: v2, labels: {a: b}}, {name: v2, labels: {a: c}}]\n"),
                        "DestinationPolicy default/p", "spec.subsets[1].name: duplicate name \"v2\" (also subsets[0])"),
                // MeshConfig
                arguments(Loads.document(WEFT, "MeshConfig", "default", "{}"),
                        "MeshConfig default", "metadata.name: must be \"mesh\": MeshConfig is a singleton, got \"default\""),
                arguments("apiVersion: weft.dev/v1alpha1\nkind: MeshConfig\nmetadata: {name: mesh, namespace: a}\nspec: {}\n",
                        "MeshConfig mesh", "metadata.namespace: must not be set: MeshConfig is cluster-scoped"),
                arguments(Loads.document(WEFT, "MeshConfig", "mesh", "trustDomain: Weft.Example\n"),
                        "MeshConfig mesh", "spec.trustDomain: must be a SPIFFE trust domain (a-z, 0-9, '.', '-' and "
                        + "'_', at most 255 characters), got \"Weft.Example\""),
                arguments(Loads.document(WEFT, "MeshConfig", "mesh", "defaults: {loadBalancer: {algorithm: RING_HASH}}\n"),
                        "MeshConfig mesh", "spec.defaults.loadBalancer.algorithm: cannot be RING_HASH mesh-wide: a hash "
                        + "key is chosen per Service, in a DestinationPolicy"),
                arguments(Loads.document(WEFT, "MeshConfig", "mesh", "defaults: {retries: {backoff: soon}}\n"),
                        "MeshConfig mesh", "spec.defaults.retries.backoff: must be a duration such as \"10s\", \"500ms\" "
                        + "or \"1h30m\" (GEP-2257), got string \"soon\""),
                arguments(Loads.document(WEFT, "MeshConfig", "mesh", "defaults: {timeout: 1y}\n"),
                        "MeshConfig mesh", "spec.defaults.timeout: must be a duration such as \"10s\", \"500ms\" or "
                        + "\"1h30m\" (GEP-2257), got string \"1y\""),
                // Service
                arguments(Loads.document(WEFT, "Service", "s", "{}"),
                        "Service default/s", "spec.ports: is required: at least one port"),
                arguments(Loads.document(WEFT, "Service", "s", "ports: [{port: 80}, {name: b, port: 81}]\n"),
                        "Service default/s", "spec.ports[0].name: is required when the Service has more than one port"),
                arguments(Loads.document(WEFT, "Service", "s", "ports: [{name: a, port: 80}, {name: b, port: 80}]\n"),
                        "Service default/s", "spec.ports[1].port: duplicate port 80 (also ports[0])"),
                arguments(Loads.document(WEFT, "Service", "s", "ports: [{name: a, port: 80}, {name: a, port: 81}]\n"),
                        "Service default/s", "spec.ports[1].name: duplicate name \"a\" (also ports[0])"),
                arguments(Loads.document(WEFT, "Service", "s", "ports: [{port: 80, protocol: UDP}]\n"),
                        "Service default/s", "spec.ports[0].protocol: must be one of HTTP, HTTP2, GRPC, TCP, got \"UDP\""),
                arguments(Loads.document(WEFT, "Service", "s", "ports: [{port: 70000}]\n"),
                        "Service default/s", "spec.ports[0].port: must be between 1 and 65535, got 70000"),
                // ServiceInstance
                arguments(Loads.document(WEFT, "ServiceInstance", "i", "service: s\naddress: 300.1.2.3\nport: 80\n"),
                        "ServiceInstance default/i", "spec.address: must be an IPv4 or IPv6 address or a DNS name, got "
                        + "\"300.1.2.3\""),
                arguments(Loads.document(WEFT, "ServiceInstance", "i", "service: s\naddress: \"fd00::1::2\"\nport: 80\n"),
                        "ServiceInstance default/i", "spec.address: must be an IPv4 or IPv6 address or a DNS name, got "
                        + "\"fd00::1::2\""),
                arguments(Loads.document(WEFT, "ServiceInstance", "i", "service: S\naddress: 10.0.0.1\nport: 80\n"),
                        "ServiceInstance default/i", "spec.service: must be a lowercase RFC 1123 name (a-z, 0-9, '-' and "
                        + "'.', starting and ending with a letter or digit, at most 253 characters), got \"S\""),
                arguments(Loads.document(WEFT, "ServiceInstance", "i",
                                "service: s\naddress: 10.0.0.1\nport: 80\nprotocol: http\n"),
                        "ServiceInstance default/i", "spec.protocol: must be one of HTTP, HTTP2, GRPC, TCP, got \"http\""),
                arguments(Loads.document(WEFT, "ServiceInstance", "i", "address: 10.0.0.1\nport: 80\n"),
                        "ServiceInstance default/i", "spec.service: is required"),
                arguments(Loads.document(WEFT, "ServiceInstance", "i", "service: s\naddress: 10.0.0.1\n"),
                        "ServiceInstance default/i", "spec.port: is required"),
                arguments(Loads.document(WEFT, "ServiceInstance", "i", "service: s\naddress: 10.0.0.1\nport: 80\nttl: 0s\n"),
                        "ServiceInstance default/i", "spec.ttl: must be greater than 0s"));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("invalidDocuments")
    void reportsTheProblemAtItsPath(String document, String resource, String expected) {
        assertThat(Loads.problems(document))
                .containsExactly("test.yaml (document 1, " + resource + "): " + expected);
    }
}
