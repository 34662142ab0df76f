package dev.weft.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import com.google.protobuf.Value;
import dev.weft.api.ResourceLoader;
import dev.weft.api.security.AuthorizationPolicySpec;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AuthorizationPolicies as the RBAC filters of a sidecar's inbound listener (issue 4 contract, "RBAC"). */
class AuthorizationTranslatorTest {

    private static final String REVIEWS = """
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: reviews}
            spec: {ports: [{port: 9080}]}
            """;

    /** The principal and permission types the proxy implements (contract); anything else would be NACKed. */
    private static final Set<Principal.IdentifierCase> PRINCIPAL_TYPES = EnumSet.of(Principal.IdentifierCase.ANY,
            Principal.IdentifierCase.AUTHENTICATED, Principal.IdentifierCase.AND_IDS, Principal.IdentifierCase.OR_IDS,
            Principal.IdentifierCase.NOT_ID, Principal.IdentifierCase.HEADER, Principal.IdentifierCase.URL_PATH,
            Principal.IdentifierCase.DIRECT_REMOTE_IP, Principal.IdentifierCase.REMOTE_IP);
    private static final Set<Permission.RuleCase> PERMISSION_TYPES = EnumSet.of(Permission.RuleCase.ANY,
            Permission.RuleCase.HEADER, Permission.RuleCase.URL_PATH, Permission.RuleCase.AND_RULES,
            Permission.RuleCase.OR_RULES, Permission.RuleCase.NOT_RULE, Permission.RuleCase.DESTINATION_PORT);

    @TempDir
    Path dataDir;

    private static Node sidecar(String namespace, String service, Map<String, String> labels) {
        Node node = Nodes.sidecar(service + "-" + labels, service, 15006, 8080, 15001, List.of(), labels);
        return node.toBuilder().setMetadata(node.getMetadata().toBuilder().putFields("weft.namespace",
                Value.newBuilder().setStringValue(namespace).build())).build();
    }

    private static Node reviews(String version) {
        return sidecar("default", "reviews", Map.of("version", version));
    }

    private static String policy(String name, String spec) {
        return "apiVersion: weft.dev/v1alpha1\nkind: AuthorizationPolicy\nmetadata: {name: " + name + "}\nspec:\n"
                + spec.indent(2) + "---\n";
    }

    private static List<HttpFilter> inboundFilters(Snapshot snapshot) throws InvalidProtocolBufferException {
        return hcm(snapshot.listeners().resources().get(Translator.INBOUND)).getHttpFiltersList();
    }

    private static HttpConnectionManager hcm(Listener listener) throws InvalidProtocolBufferException {
        return listener.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
    }

    private static List<String> names(List<HttpFilter> filters) {
        return filters.stream().map(HttpFilter::getName).toList();
    }

    private static RBAC rules(List<HttpFilter> filters, String name) throws InvalidProtocolBufferException {
        HttpFilter filter = filters.stream().filter(f -> f.getName().equals(name)).findFirst().orElseThrow();
        return filter.getTypedConfig().unpack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class)
                .getRules();
    }

    private Snapshot translate(String yaml, Node node) throws Exception {
        return new TestMesh(dataDir).apply(REVIEWS + "---\n" + yaml).snapshot(node);
    }

    private static Policy textPolicy(String text) throws TextFormat.ParseException {
        Policy.Builder policy = Policy.newBuilder();
        TextFormat.merge(text, policy);
        return policy.build();
    }

    private static Policy onlyPolicy(String spec) throws Exception {
        AuthorizationPolicySpec parsed = new ResourceLoader().load(policy("p", spec), "p.yaml")
                .ofType(AuthorizationPolicySpec.class).get(0).spec();
        return AuthorizationTranslator.policy(parsed.rules().get(0));
    }

    @Test
    void withoutPoliciesTheInboundListenerHasOnlyTheRouter() throws Exception {
        Snapshot snapshot = translate("", reviews("v1"));

        assertThat(names(inboundFilters(snapshot))).containsExactly(XdsResources.ROUTER);
    }

    @Test
    void defaultDenyAddsAnAllowFilterWithoutPoliciesThatDeniesEverything() throws Exception {
        Snapshot snapshot = translate("""
                apiVersion: weft.dev/v1alpha1
                kind: MeshConfig
                metadata: {name: mesh}
                spec: {authorization: {default: DENY}}
                """, reviews("v1"));

        List<HttpFilter> filters = inboundFilters(snapshot);
        assertThat(names(filters)).containsExactly(AuthorizationTranslator.ALLOW_FILTER, XdsResources.ROUTER);
        assertThat(rules(filters, AuthorizationTranslator.ALLOW_FILTER))
                .isEqualTo(RBAC.newBuilder().setAction(RBAC.Action.ALLOW).build());
    }

    @Test
    void denyAllowAndAuditFiltersComeInThatOrderBeforeTheRouter() throws Exception {
        Snapshot snapshot = translate(policy("watch", "action: AUDIT\nrules: [{to: [{operation: {methods: [POST]}}]}]")
                + policy("b-readers", "rules: [{to: [{operation: {methods: [GET]}}]}, {}]")
                + policy("a-readers", "rules: [{to: [{operation: {methods: [HEAD]}}]}]")
                + policy("no-debug", "action: DENY\nrules: [{to: [{operation: {paths: [\"/debug/*\"]}}]}]"),
                reviews("v1"));

        List<HttpFilter> filters = inboundFilters(snapshot);
        assertThat(names(filters)).containsExactly(AuthorizationTranslator.DENY_FILTER,
                AuthorizationTranslator.ALLOW_FILTER, AuthorizationTranslator.AUDIT_FILTER, XdsResources.ROUTER);
        assertThat(rules(filters, AuthorizationTranslator.DENY_FILTER).getAction()).isEqualTo(RBAC.Action.DENY);
        assertThat(rules(filters, AuthorizationTranslator.DENY_FILTER).getPoliciesMap())
                .containsOnlyKeys("ns[default]-policy[no-debug]-rule[0]");
        assertThat(rules(filters, AuthorizationTranslator.ALLOW_FILTER).getAction()).isEqualTo(RBAC.Action.ALLOW);
        assertThat(rules(filters, AuthorizationTranslator.ALLOW_FILTER).getPoliciesMap().keySet()).containsExactly(
                "ns[default]-policy[a-readers]-rule[0]", "ns[default]-policy[b-readers]-rule[0]",
                "ns[default]-policy[b-readers]-rule[1]");
        assertThat(rules(filters, AuthorizationTranslator.AUDIT_FILTER).getAction()).isEqualTo(RBAC.Action.LOG);
        assertThat(rules(filters, AuthorizationTranslator.AUDIT_FILTER).getPoliciesMap())
                .containsOnlyKeys("ns[default]-policy[watch]-rule[0]");
    }

    @Test
    void anAllowPolicyWithoutRulesDeniesEverythingAndADenyPolicyWithoutRulesNothing() throws Exception {
        Snapshot snapshot = translate(policy("nobody", "{}") + policy("never", "action: DENY"), reviews("v1"));

        List<HttpFilter> filters = inboundFilters(snapshot);
        assertThat(names(filters)).containsExactly(AuthorizationTranslator.ALLOW_FILTER, XdsResources.ROUTER);
        assertThat(rules(filters, AuthorizationTranslator.ALLOW_FILTER).getPoliciesMap()).isEmpty();
    }

    @Test
    void anEmptyRuleMatchesEveryRequest() throws Exception {
        assertThat(onlyPolicy("rules: [{}]")).isEqualTo(textPolicy("""
                permissions { any: true }
                principals { any: true }
                """));
    }

    @Test
    void aPolicySelectsByServiceLabelsAndNamespaceOnly() throws Exception {
        // given: one translator (one model) for several sidecars on the same address and port
        TestMesh mesh = new TestMesh(dataDir).apply(REVIEWS + "---\n"
                + policy("v2-only", "selector: {service: reviews, matchLabels: {version: v2}}\nrules: [{}]")
                + policy("everyone", "action: DENY\nrules: [{to: [{operation: {paths: [/admin]}}]}]"));
        Translator translator = mesh.translator();

        // when
        List<String> v2 = names(inboundFilters(translator.snapshot(NodeInfo.from(reviews("v2")))));
        List<String> v1 = names(inboundFilters(translator.snapshot(NodeInfo.from(reviews("v1")))));
        List<String> ratings = names(inboundFilters(translator.snapshot(
                NodeInfo.from(sidecar("default", "ratings", Map.of("version", "v2"))))));
        List<String> otherNamespace = names(inboundFilters(translator.snapshot(
                NodeInfo.from(sidecar("shop", "reviews", Map.of("version", "v2"))))));

        // then: the namespace-wide DENY policy applies to every workload of default, the selector narrows ALLOW
        assertThat(v2).containsExactly(AuthorizationTranslator.DENY_FILTER, AuthorizationTranslator.ALLOW_FILTER,
                XdsResources.ROUTER);
        assertThat(v1).containsExactly(AuthorizationTranslator.DENY_FILTER, XdsResources.ROUTER);
        assertThat(ratings).containsExactly(AuthorizationTranslator.DENY_FILTER, XdsResources.ROUTER);
        assertThat(otherNamespace).containsExactly(XdsResources.ROUTER);
    }

    @Test
    void everyFilterChainOfTheListenerGetsTheFiltersBeforeItsRouter() throws Exception {
        // given: an inbound listener with an mTLS and a plaintext chain, as PERMISSIVE mode has
        Listener plain = XdsResources.listener(Translator.INBOUND, "127.0.0.1", 15006, Translator.INBOUND,
                io.envoyproxy.envoy.config.core.v3.TrafficDirection.INBOUND);
        Listener twoChains = plain.toBuilder().addFilterChains(plain.getFilterChains(0).toBuilder()
                .setName("inbound-plaintext")).build();
        List<HttpFilter> filters = List.of(HttpFilter.newBuilder().setName(AuthorizationTranslator.DENY_FILTER)
                .build(), HttpFilter.newBuilder().setName(AuthorizationTranslator.ALLOW_FILTER).build());

        // when
        Listener authorized = AuthorizationTranslator.withFilters(twoChains, filters);

        // then
        assertThat(authorized.getFilterChainsList()).hasSize(2).allSatisfy(chain -> assertThat(names(chain
                .getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class).getHttpFiltersList()))
                .containsExactly(AuthorizationTranslator.DENY_FILTER, AuthorizationTranslator.ALLOW_FILTER,
                        XdsResources.ROUTER));
    }

    @Test
    void onlyTheInboundListenerIsAuthorized() throws Exception {
        Snapshot snapshot = translate(policy("nobody", "{}"), reviews("v1"));

        assertThat(names(hcm(snapshot.listeners().resources().get(Translator.OUTBOUND)).getHttpFiltersList()))
                .containsExactly(XdsResources.ROUTER);
    }

    @Test
    void sourcesOperationsAndConditionsHaveTheContractsShape() throws Exception {
        Policy policy = onlyPolicy("""
                rules:
                  - from:
                      - source:
                          principals: [spiffe://cluster.local/ns/shop/sa/web]
                          notNamespaces: [legacy]
                      - source: {ipBlocks: [10.0.0.0/8]}
                    to:
                      - operation: {methods: [GET, HEAD], notPaths: ["/admin/*"]}
                    when:
                      - {key: "request.headers[X-Tenant]", values: [acme], notValues: ["*-test"]}
                      - {key: source.ip, notValues: [10.9.9.9]}
                      - {key: destination.port, values: ["15006"]}
                """);

        assertThat(policy).isEqualTo(textPolicy("""
                permissions { and_rules {
                  rules { or_rules { rules { and_rules {
                    rules { or_rules {
                      rules { header { name: ":method" string_match { exact: "GET" } } }
                      rules { header { name: ":method" string_match { exact: "HEAD" } } } } }
                    rules { not_rule { or_rules {
                      rules { url_path { path { prefix: "/admin/" } } } } } } } } } }
                  rules { or_rules { rules { header { name: "x-tenant" string_match { exact: "acme" } } } } }
                  rules { not_rule { or_rules {
                    rules { header { name: "x-tenant" string_match { suffix: "-test" } } } } } }
                  rules { or_rules { rules { destination_port: 15006 } } } } }
                principals { and_ids {
                  ids { or_ids {
                    ids { and_ids {
                      ids { or_ids {
                        ids { authenticated { principal_name { exact: "spiffe://cluster.local/ns/shop/sa/web" } } } } }
                      ids { not_id { or_ids { ids { authenticated { principal_name {
                        safe_regex { regex: "spiffe://[^/]+/ns/legacy/sa/[^/]+" } } } } } } } } }
                    ids { and_ids {
                      ids { or_ids {
                        ids { direct_remote_ip { address_prefix: "10.0.0.0" prefix_len { value: 8 } } } } } } } } }
                  ids { not_id { or_ids {
                    ids { direct_remote_ip { address_prefix: "10.9.9.9" prefix_len { value: 32 } } } } } } } }
                """));
    }

    @Test
    void principalWildcardsAreAnyAuthenticatedPrefixSuffixOrExact() {
        assertThat(AuthorizationTranslator.principal("*").getAuthenticated().getPrincipalName().getSafeRegex()
                .getRegex()).isEqualTo("spiffe://.+");
        assertThat(AuthorizationTranslator.principal("spiffe://td/ns/tools/*").getAuthenticated().getPrincipalName()
                .getPrefix()).isEqualTo("spiffe://td/ns/tools/");
        assertThat(AuthorizationTranslator.principal("*/sa/admin").getAuthenticated().getPrincipalName().getSuffix())
                .isEqualTo("/sa/admin");
        assertThat(AuthorizationTranslator.principal("spiffe://td/ns/a/sa/b").getAuthenticated().getPrincipalName()
                .getExact()).isEqualTo("spiffe://td/ns/a/sa/b");
    }

    @Test
    void aNamespaceIsTheNsSegmentOfTheCallersSpiffeId() {
        Pattern exact = namespaceRegex("frontend");
        assertThat(exact.pattern()).isEqualTo("spiffe://[^/]+/ns/frontend/sa/[^/]+");
        assertThat(exact.matcher("spiffe://cluster.local/ns/frontend/sa/web").matches()).isTrue();
        assertThat(exact.matcher("spiffe://other.td/ns/frontend/sa/web").matches()).isTrue();
        assertThat(exact.matcher("spiffe://cluster.local/ns/frontend-old/sa/web").matches()).isFalse();
        assertThat(exact.matcher("spiffe://cluster.local/ns/x/sa/frontend").matches()).isFalse();
        assertThat(exact.matcher("spiffe://cluster.local/ns/frontend/sa/web/x").matches()).isFalse();

        Pattern prefix = namespaceRegex("team-*");
        assertThat(prefix.matcher("spiffe://td/ns/team-a/sa/x").matches()).isTrue();
        assertThat(prefix.matcher("spiffe://td/ns/teams/sa/x").matches()).isFalse();
        Pattern suffix = namespaceRegex("*-staging");
        assertThat(suffix.matcher("spiffe://td/ns/shop-staging/sa/x").matches()).isTrue();
        assertThat(suffix.matcher("spiffe://td/ns/shop-staging2/sa/x").matches()).isFalse();
        Pattern any = namespaceRegex("*");
        assertThat(any.matcher("spiffe://td/ns/a/sa/x").matches()).isTrue();
        assertThat(any.matcher("spiffe://td/workload").matches()).isFalse();
    }

    private static Pattern namespaceRegex(String namespace) {
        return Pattern.compile(AuthorizationTranslator.namespace(namespace).getAuthenticated().getPrincipalName()
                .getSafeRegex().getRegex());
    }

    @Test
    void hostsMatchCaseInsensitivelyWithAnyPortAndRegexCharactersEscaped() {
        Pattern exact = Pattern.compile(AuthorizationTranslator.host("reviews.shop").getStringMatch().getSafeRegex()
                .getRegex());
        assertThat(exact.matcher("Reviews.Shop:9080").matches()).isTrue();
        assertThat(exact.matcher("reviews.shop").matches()).isTrue();
        assertThat(exact.matcher("reviewsXshop").matches()).as("the dot is escaped").isFalse();
        Pattern suffix = Pattern.compile(AuthorizationTranslator.host("*.example.com").getStringMatch()
                .getSafeRegex().getRegex());
        assertThat(suffix.matcher("api.example.com:443").matches()).isTrue();
        assertThat(suffix.matcher("example.com").matches()).isFalse();
        assertThat(AuthorizationTranslator.host("*").getPresentMatch()).isTrue();
    }

    @Test
    void pathsAreUrlPathMatchesAndStarIsAnyRequest() {
        assertThat(AuthorizationTranslator.path("/api/*").getUrlPath().getPath().getPrefix()).isEqualTo("/api/");
        assertThat(AuthorizationTranslator.path("*.json").getUrlPath().getPath().getSuffix()).isEqualTo(".json");
        assertThat(AuthorizationTranslator.path("/healthz").getUrlPath().getPath().getExact()).isEqualTo("/healthz");
        assertThat(AuthorizationTranslator.path("*").getAny()).isTrue();
    }

    @Test
    void ipBlocksAreCidrRanges() {
        assertThat(AuthorizationTranslator.ipBlock("fd00::/8").getDirectRemoteIp().getPrefixLen().getValue())
                .isEqualTo(8);
        assertThat(AuthorizationTranslator.ipBlock("::1").getDirectRemoteIp().getPrefixLen().getValue())
                .isEqualTo(128);
    }

    @Test
    void everyExamplePolicyUsesOnlyTypesTheProxyImplements() throws Exception {
        // given: weft-api's example policies, which use every field and condition key
        List<Policy> policies = new ArrayList<>();
        for (var policy : new ResourceLoader().load(Path.of("../weft-api/src/test/resources/examples/security.yaml"))
                .ofType(AuthorizationPolicySpec.class)) {
            policies.addAll(AuthorizationTranslator.policies(policy).values());
        }

        // then
        assertThat(policies).hasSizeGreaterThan(3);
        for (Policy policy : policies) {
            policy.getPermissionsList().forEach(AuthorizationTranslatorTest::assertSupported);
            policy.getPrincipalsList().forEach(AuthorizationTranslatorTest::assertSupported);
        }
    }

    private static void assertSupported(Message message) {
        if (message instanceof Permission permission) {
            assertThat(PERMISSION_TYPES).as("permission type").contains(permission.getRuleCase());
        } else if (message instanceof Principal principal) {
            assertThat(PRINCIPAL_TYPES).as("principal type").contains(principal.getIdentifierCase());
        }
        message.getAllFields().forEach((field, value) -> {
            if (value instanceof Message nested) {
                assertSupported(nested);
            } else if (value instanceof List<?> list) {
                list.stream().filter(Message.class::isInstance).map(Message.class::cast)
                        .forEach(AuthorizationTranslatorTest::assertSupported);
            }
        });
    }

    @Test
    void aPolicyChangesTheListenerVersionOfTheNodesItSelectsOnly() throws Exception {
        // given
        TestMesh mesh = new TestMesh(dataDir).apply(REVIEWS);
        Node v1 = reviews("v1");
        Node shop = sidecar("shop", "reviews", Map.of("version", "v1"));
        String v1Before = mesh.snapshot(v1).listeners().version();
        String shopBefore = mesh.snapshot(shop).listeners().version();
        String routesBefore = mesh.snapshot(v1).routes().version();

        // when
        mesh.apply(policy("nobody", "{}"));

        // then
        assertThat(mesh.snapshot(v1).listeners().version()).isNotEqualTo(v1Before);
        assertThat(mesh.snapshot(shop).listeners().version()).isEqualTo(shopBefore);
        assertThat(mesh.snapshot(v1).routes().version()).isEqualTo(routesBefore);
    }
}
