package dev.weft.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.weft.api.security.AuthorizationAction;
import dev.weft.api.security.AuthorizationPolicySpec;
import dev.weft.api.security.AuthorizationRule;
import dev.weft.api.security.Condition;
import dev.weft.api.security.Operation;
import dev.weft.api.security.Source;
import dev.weft.api.security.Wildcard;
import dev.weft.api.security.WorkloadSelector;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** AuthorizationPolicy: the example read into records with defaults, each validation error at its path, and writing. */
class AuthorizationPolicyTest {

    private static final Path EXAMPLE = Path.of("src/test/resources/examples/security.yaml");

    private static AuthorizationPolicySpec spec(ResourceSet set, String namespace, String name) {
        return set.get(new ResourceKey(Kind.AUTHORIZATION_POLICY, namespace, name)).orElseThrow()
                .as(AuthorizationPolicySpec.class).orElseThrow().spec();
    }

    private static String policy(String spec) {
        return Loads.document("weft.dev/v1alpha1", "AuthorizationPolicy", "a", spec);
    }

    @Test
    void theExampleReadsEveryFieldWithAllowAsTheDefaultAction() throws ResourceException {
        // when
        ResourceSet set = new ResourceLoader().load(EXAMPLE);

        // then
        AuthorizationPolicySpec readers = spec(set, "bookinfo", "reviews-readers");
        assertThat(readers.selector()).isEqualTo(new WorkloadSelector("reviews", Map.of("version", "v2")));
        assertThat(readers.action()).isEqualTo(AuthorizationAction.ALLOW);
        AuthorizationRule rule = readers.rules().get(0);
        assertThat(rule.from()).containsExactly(
                new Source(List.of("spiffe://cluster.local/ns/bookinfo/sa/productpage",
                        "spiffe://cluster.local/ns/tools/*", "*/sa/tester"),
                        List.of("spiffe://cluster.local/ns/bookinfo/sa/legacy"), null, null, null, null),
                new Source(null, null, List.of("frontend", "team-*", "*-staging"), List.of("frontend-old"),
                        List.of("10.0.0.0/8", "192.168.1.7", "fd00::/8"), List.of("10.0.66.0/24")));
        assertThat(rule.to()).containsExactly(
                new Operation(null, null, null, null, List.of("GET", "HEAD"), null,
                        List.of("/reviews", "/reviews/*", "*.json"), List.of("/reviews/internal/*")),
                new Operation(List.of("reviews", "*.bookinfo.example.com", "reviews.*"),
                        List.of("legacy.bookinfo.example.com"), List.of(9080), List.of(9443), null,
                        List.of("DELETE"), null, null));
        assertThat(rule.when()).containsExactly(
                new Condition("request.headers[x-tenant]", List.of("acme", "beta-*"), List.of("beta-blocked")),
                new Condition("source.principal", List.of("*"), null),
                new Condition("source.namespace", null, List.of("quarantine")),
                new Condition("source.ip", List.of("10.1.0.0/16"), null),
                new Condition("destination.port", List.of("15006"), null));
        assertThat(rule.when().get(0).headerName()).isEqualTo("x-tenant");
        assertThat(rule.when()).extracting(Condition::attribute).containsExactly(
                Condition.Attribute.REQUEST_HEADER, Condition.Attribute.SOURCE_PRINCIPAL,
                Condition.Attribute.SOURCE_NAMESPACE, Condition.Attribute.SOURCE_IP,
                Condition.Attribute.DESTINATION_PORT);

        assertThat(spec(set, "bookinfo", "deny-debug").selector()).isEqualTo(WorkloadSelector.ALL);
        assertThat(spec(set, "bookinfo", "deny-debug").action()).isEqualTo(AuthorizationAction.DENY);
        assertThat(spec(set, "bookinfo", "allow-all").rules()).containsExactly(AuthorizationRule.ANY);
        assertThat(spec(set, "quarantine", "deny-all"))
                .isEqualTo(new AuthorizationPolicySpec(null, null, null))
                .satisfies(s -> assertThat(s.rules()).as("no rules: an ALLOW policy that matches nothing").isEmpty());
        assertThat(spec(set, "bookinfo", "audit-writes").action()).isEqualTo(AuthorizationAction.AUDIT);
    }

    @Test
    void aSelectorSelectsByServiceAndEveryLabel() {
        WorkloadSelector selector = new WorkloadSelector("reviews", Map.of("version", "v2"));

        assertThat(selector.selects("reviews", Map.of("version", "v2", "zone", "a"))).isTrue();
        assertThat(selector.selects("reviews", Map.of("version", "v1"))).isFalse();
        assertThat(selector.selects("ratings", Map.of("version", "v2"))).isFalse();
        assertThat(new WorkloadSelector(null, Map.of("version", "v2")).selects("ratings", Map.of("version", "v2")))
                .isTrue();
        assertThat(WorkloadSelector.ALL.selects("anything", Map.of())).isTrue();
    }

    @Test
    void wildcardsAreExactPrefixSuffixOrAny() {
        assertThat(Wildcard.parse("*")).isEqualTo(new Wildcard(Wildcard.Kind.ANY, ""));
        assertThat(Wildcard.parse("/api/*")).isEqualTo(new Wildcard(Wildcard.Kind.PREFIX, "/api/"));
        assertThat(Wildcard.parse("*/sa/admin")).isEqualTo(new Wildcard(Wildcard.Kind.SUFFIX, "/sa/admin"));
        assertThat(Wildcard.parse("/exact")).isEqualTo(new Wildcard(Wildcard.Kind.EXACT, "/exact"));
    }

    @Test
    void theWrittenPolicyIsTheFamiliarShape() throws ResourceException {
        Resource<?> policy = new ResourceLoader().load(policy("""
                selector: {service: reviews}
                rules:
                  - from: [{source: {namespaces: [frontend]}}]
                    to: [{operation: {methods: [GET], ports: [15006]}}]
                    when: [{key: "request.headers[x-user]", values: [alice]}]
                  - {}
                """), "a.yaml").resources().get(0);

        assertThat(ResourceWriter.toYaml(policy)).isEqualTo("""
                apiVersion: weft.dev/v1alpha1
                kind: AuthorizationPolicy
                metadata:
                  name: a
                  namespace: default
                spec:
                  selector:
                    service: reviews
                  action: ALLOW
                  rules:
                  - from:
                    - source:
                        namespaces:
                        - frontend
                    to:
                    - operation:
                        ports:
                        - 15006
                        methods:
                        - GET
                    when:
                    - key: "request.headers[x-user]"
                      values:
                      - alice
                  - {}
                """);
    }

    @Test
    void theKindIsFoundByNameAndPlural() {
        assertThat(Kind.parse("authorizationpolicy")).contains(Kind.AUTHORIZATION_POLICY);
        assertThat(Kind.parse("AuthorizationPolicies")).contains(Kind.AUTHORIZATION_POLICY);
        assertThat(Kind.AUTHORIZATION_POLICY.apiVersion()).isEqualTo("weft.dev/v1alpha1");
        assertThat(Kind.AUTHORIZATION_POLICY.namespaced()).isTrue();
    }

    static Stream<Arguments> invalidPolicies() {
        String principalMessage = "must be a SPIFFE ID spiffe://<trust domain>/ns/<namespace>/sa/<account>, or one "
                + "with '*' for its start or end (spiffe://cluster.local/ns/shop/*, */sa/admin), or \"*\" for any "
                + "authenticated caller, got ";
        String sourceFields = "principals, notPrincipals, namespaces, notNamespaces, ipBlocks, notIpBlocks";
        return Stream.of(
                arguments("action: REJECT\n",
                        "spec.action: must be one of ALLOW, DENY, AUDIT, got \"REJECT\""),
                arguments("selector: {service: Reviews}\n",
                        "spec.selector.service: must be a lowercase RFC 1123 name (a-z, 0-9, '-' and '.', starting "
                        + "and ending with a letter or digit, at most 253 characters), got \"Reviews\""),
                arguments("selector: {matchLabels: {version: 2}}\n",
                        "spec.selector.matchLabels.version: must be a string, got number 2 (quote it)"),
                arguments("selector: {labels: {version: v2}}\n",
                        "spec.selector.labels: unknown field; expected one of: service, matchLabels"),
                arguments("targetRefs: [{kind: Service, name: reviews}]\n",
                        "spec.targetRefs: unknown field; expected one of: selector, action, rules"),
                arguments("rules: [{from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]}]\n",
                        "spec.rules[0].from[0].source.principals[0]: " + principalMessage
                        + "\"cluster.local/ns/default/sa/sleep\""),
                arguments("rules: [{from: [{source: {principals: [\"spiffe://cluster.local/ns/*/sa/x\"]}}]}]\n",
                        "spec.rules[0].from[0].source.principals[0]: " + principalMessage
                        + "\"spiffe://cluster.local/ns/*/sa/x\""),
                arguments("rules: [{from: [{source: {notPrincipals: [\"spiffe://Cluster.local/ns/a/sa/b\"]}}]}]\n",
                        "spec.rules[0].from[0].source.notPrincipals[0]: " + principalMessage
                        + "\"spiffe://Cluster.local/ns/a/sa/b\""),
                arguments("rules: [{from: [{source: {principals: [\"spiffe://td/workload/x\"]}}]}]\n",
                        "spec.rules[0].from[0].source.principals[0]: " + principalMessage
                        + "\"spiffe://td/workload/x\""),
                arguments("rules: [{from: [{source: {namespaces: [Team_A]}}]}]\n",
                        "spec.rules[0].from[0].source.namespaces[0]: must be a namespace (a lowercase RFC 1123 "
                        + "label), or one with '*' for its start or end (team-*), or \"*\", got \"Team_A\""),
                arguments("rules: [{from: [{source: {ipBlocks: [10.0.0.0/33]}}]}]\n",
                        "spec.rules[0].from[0].source.ipBlocks[0]: must be an IP address or a CIDR block "
                        + "(10.0.0.0/8, fd00::/8), got \"10.0.0.0/33\""),
                arguments("rules: [{from: [{source: {notIpBlocks: [example.com]}}]}]\n",
                        "spec.rules[0].from[0].source.notIpBlocks[0]: must be an IP address or a CIDR block "
                        + "(10.0.0.0/8, fd00::/8), got \"example.com\""),
                arguments("rules: [{from: [{source: {ipBlocks: [\"fd00::1::2/64\"]}}]}]\n",
                        "spec.rules[0].from[0].source.ipBlocks[0]: must be an IP address or a CIDR block "
                        + "(10.0.0.0/8, fd00::/8), got \"fd00::1::2/64\""),
                arguments("rules: [{from: [{source: {}}]}]\n",
                        "spec.rules[0].from[0].source: must set at least one of " + sourceFields),
                arguments("rules: [{from: [{}]}]\n",
                        "spec.rules[0].from[0].source: is required"),
                arguments("rules: [{from: []}]\n",
                        "spec.rules[0].from: must not be empty; leave it out to match any source"),
                arguments("rules: [{to: []}]\n",
                        "spec.rules[0].to: must not be empty; leave it out to match any operation"),
                arguments("rules: [{when: []}]\n",
                        "spec.rules[0].when: must not be empty; leave it out for no condition"),
                arguments("rules: [{from: [{source: {principals: []}}]}]\n",
                        "spec.rules[0].from[0].source.principals: must not be empty; leave the field out instead"),
                arguments("rules: [{to: [{operation: {}}]}]\n",
                        "spec.rules[0].to[0].operation: must set at least one of hosts, notHosts, ports, notPorts, "
                        + "methods, notMethods, paths, notPaths"),
                arguments("rules: [{to: [{operation: {methods: [get]}}]}]\n",
                        "spec.rules[0].to[0].operation.methods[0]: must be an HTTP method in upper case, such as "
                        + "GET or POST (methods are case-sensitive), got \"get\""),
                arguments("rules: [{to: [{operation: {paths: [api/*]}}]}]\n",
                        "spec.rules[0].to[0].operation.paths[0]: must be a path starting with '/', or one with '*' "
                        + "for its start or end (/api/*, *.json), or \"*\"; no spaces, '?' or '#' (the query is not "
                        + "part of the path), got \"api/*\""),
                arguments("rules: [{to: [{operation: {notPaths: [\"/a?b=1\"]}}]}]\n",
                        "spec.rules[0].to[0].operation.notPaths[0]: must be a path starting with '/', or one with "
                        + "'*' for its start or end (/api/*, *.json), or \"*\"; no spaces, '?' or '#' (the query is "
                        + "not part of the path), got \"/a?b=1\""),
                arguments("rules: [{to: [{operation: {hosts: [\"a b\"]}}]}]\n",
                        "spec.rules[0].to[0].operation.hosts[0]: must be a host name, or one with '*' for its start "
                        + "or end (*.example.com), or \"*\", got \"a b\""),
                arguments("rules: [{to: [{operation: {ports: [0]}}]}]\n",
                        "spec.rules[0].to[0].operation.ports[0]: must be between 1 and 65535, got 0"),
                arguments("rules: [{when: [{key: \"request.auth.claims[iss]\", values: [x]}]}]\n",
                        "spec.rules[0].when[0].key: must be one of request.headers[<name>], source.principal, "
                        + "source.namespace, source.ip, destination.port, got \"request.auth.claims[iss]\""),
                arguments("rules: [{when: [{key: \"request.headers[x user]\", values: [x]}]}]\n",
                        "spec.rules[0].when[0].key: header must be an HTTP header name (RFC 7230 token characters, "
                        + "at most 256), got \"x user\""),
                arguments("rules: [{when: [{key: source.ip}]}]\n",
                        "spec.rules[0].when[0]: must set values, notValues or both"),
                arguments("rules: [{when: [{values: [x]}]}]\n",
                        "spec.rules[0].when[0].key: is required"),
                arguments("rules: [{when: [{key: source.ip, values: [10.0.0.300]}]}]\n",
                        "spec.rules[0].when[0].values[0]: must be an IP address or a CIDR block (10.0.0.0/8, "
                        + "fd00::/8), got \"10.0.0.300\""),
                arguments("rules: [{when: [{key: destination.port, notValues: [http]}]}]\n",
                        "spec.rules[0].when[0].notValues[0]: must be a port number between 1 and 65535, got \"http\""),
                arguments("rules: [{when: [{key: source.principal, values: [\"spiffe://td/ns/a\"]}]}]\n",
                        "spec.rules[0].when[0].values[0]: " + principalMessage + "\"spiffe://td/ns/a\""),
                arguments("rules: [{when: [{key: \"request.headers[x-a]\", values: [\"a*b*\"]}]}]\n",
                        "spec.rules[0].when[0].values[0]: must not contain '*' except as its first or last "
                        + "character (a header value, or one with '*' for its start or end, or \"*\" for any), got "
                        + "\"a*b*\""),
                arguments("rules: {from: []}\n",
                        "spec.rules: must be a list, got an object"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("invalidPolicies")
    void reportsTheProblemAtItsPath(String spec, String expected) {
        assertThat(Loads.problems(policy(spec)))
                .containsExactly("test.yaml (document 1, AuthorizationPolicy default/a): " + expected);
    }
}
