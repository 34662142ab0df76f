package dev.weft.proxy.rbac;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import dev.weft.proxy.config.BootstrapLoader;
import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.config.ProxySnapshot;
import dev.weft.proxy.config.XdsResources;
import dev.weft.proxy.config.XdsSnapshots;
import dev.weft.proxy.it.Bootstraps;
import dev.weft.proxy.xds.XdsFixtures;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RBAC filters in a bootstrap's http_filters: how they load, and what is refused with which path. */
class RbacBootstrapTest {
    private static final String HCM = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config";
    private static final String RBAC_TYPE = "\"@type\": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC";

    /** The test bootstrap with {@code filters} (YAML list items) before its router. */
    private static String withFilters(String filters) {
        String base = Bootstraps.of(Bootstraps.routeTo("backend", ""), Bootstraps.cluster("backend", false, "", 8080));
        String pad = " ".repeat(10);
        String indented = filters.stripTrailing().lines().map(l -> pad + l).reduce("", (a, b) -> a + b + "\n");
        return base.replace(pad + "http_filters:\n", pad + "http_filters:\n" + indented);
    }

    private static ProxySnapshot load(String yaml) throws ConfigException {
        return BootstrapLoader.parse(yaml, "bootstrap.yaml");
    }

    @Test
    void rbacFiltersMayHaveAnyNameAndRunInOrderBeforeTheRouter() throws Exception {
        ProxySnapshot s = load(withFilters("""
                - name: weft.authz.deny
                  typed_config:
                    %s
                    rules: {action: DENY, policies: {d: {permissions: [{any: true}], principals: [{not_id: {authenticated: {}}}]}}}
                - name: envoy.filters.http.rbac
                  typed_config:
                    %s
                    rules: {action: ALLOW, policies: {a: {permissions: [{any: true}], principals: [{any: true}]}}}
                """.formatted(RBAC_TYPE, RBAC_TYPE)));

        Authorization authorization = s.listeners().get(0).http().authorization();
        assertThat(authorization.filters()).extracting(RbacFilter::name).containsExactly("weft.authz.deny", "envoy.filters.http.rbac");
        assertThat(authorization.filters()).extracting(RbacFilter::action).containsExactly(RbacFilter.Action.DENY, RbacFilter.Action.ALLOW);
    }

    @Test
    void aListenerWithoutRbacFiltersHasNoAuthorization() throws Exception {
        ProxySnapshot s = load(withFilters(""));

        assertThat(s.listeners().get(0).http().authorization()).isSameAs(Authorization.NONE);
    }

    @Test
    void shadowRulesAreRefusedNamingTheField() {
        assertThatThrownBy(() -> load(withFilters("""
                - name: weft.authz.allow
                  typed_config:
                    %s
                    shadow_rules: {action: ALLOW}
                """.formatted(RBAC_TYPE))))
                .isInstanceOf(ConfigException.class)
                .hasMessage(HCM + ".http_filters[0].typed_config.shadow_rules: is not supported by Weft (see docs/envoy-compat.md)");
    }

    @Test
    void unsupportedPrincipalsAndPermissionsAreRefusedNamingTheField() {
        assertThatThrownBy(() -> load(withFilters("""
                - name: weft.authz.allow
                  typed_config:
                    %s
                    rules: {policies: {p: {permissions: [{any: true}], principals: [{metadata: {filter: f, path: [{key: k}], value: {present_match: true}}}]}}}
                """.formatted(RBAC_TYPE))))
                .isInstanceOf(ConfigException.class)
                .hasMessage(HCM + ".http_filters[0].typed_config.rules.policies[\"p\"].principals[0].metadata: "
                        + "is not supported by Weft (see docs/envoy-compat.md)");
        assertThatThrownBy(() -> load(withFilters("""
                - name: weft.authz.allow
                  typed_config:
                    %s
                    rules: {policies: {p: {permissions: [{requested_server_name: {exact: a}}], principals: [{any: true}]}}}
                """.formatted(RBAC_TYPE))))
                .isInstanceOf(ConfigException.class)
                .hasMessage(HCM + ".http_filters[0].typed_config.rules.policies[\"p\"].permissions[0].requested_server_name: "
                        + "is not supported by Weft (see docs/envoy-compat.md)");
    }

    @Test
    void semanticErrorsCarryTheFilterPath() {
        assertThatThrownBy(() -> load(withFilters("""
                - name: weft.authz.allow
                  typed_config:
                    %s
                    rules: {policies: {p: {permissions: [{any: true}], principals: [{authenticated: {principal_name: {prefix: ""}}}]}}}
                """.formatted(RBAC_TYPE))))
                .isInstanceOf(ConfigException.class)
                .hasMessage(HCM + ".http_filters[0].typed_config.rules.policies[\"p\"].principals[0].authenticated.principal_name"
                        + ".prefix: must not be empty");
    }

    @Test
    void theRouterMustBeLast() {
        String routerThenRbac = Bootstraps.of(Bootstraps.routeTo("backend", ""), Bootstraps.cluster("backend", false, "", 8080))
                .stripTrailing();
        int clusters = routerThenRbac.indexOf("  clusters:");
        String yaml = routerThenRbac.substring(0, clusters) + """
                          - name: weft.authz.allow
                            typed_config:
                              %s
                """.formatted(RBAC_TYPE) + routerThenRbac.substring(clusters) + "\n";

        assertThatThrownBy(() -> load(yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessage(HCM + ".http_filters[1]: comes after envoy.filters.http.router, which must be the last filter");
    }

    @Test
    void anUnknownFilterNameWithAnotherConfigTypeIsRefusedByName() {
        assertThatThrownBy(() -> load(withFilters("""
                - name: my.cors
                  typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors}
                """)))
                .isInstanceOf(ConfigException.class)
                .hasMessage(HCM + ".http_filters[0].name: my.cors is not supported by Weft "
                        + "(supported: envoy.filters.http.rbac, envoy.filters.http.router)");
    }

    // ---- over xDS

    /** An inbound listener as the control plane sends it, with {@code filter} before the router. */
    private static XdsResources inbound(HttpFilter filter) {
        return new XdsResources(Map.of("inbound", XdsFixtures.listener("inbound", 0, "inbound", hcm -> hcm.addHttpFilters(0, filter))),
                Map.of("inbound", XdsFixtures.routes("inbound", "local-app")), Map.of(), Map.of());
    }

    private static HttpFilter allowFilter(RBAC config) {
        return HttpFilter.newBuilder().setName("weft.authz.allow").setTypedConfig(Any.pack(config)).build();
    }

    @Test
    void theControlPlanesFiltersLoadOverXds() throws Exception {
        ProxySnapshot base = BootstrapLoader.build(XdsFixtures.bootstrap(18000));
        RBAC allowAlice = RBAC.newBuilder().setRules(io.envoyproxy.envoy.config.rbac.v3.RBAC.newBuilder()
                .setAction(io.envoyproxy.envoy.config.rbac.v3.RBAC.Action.ALLOW)
                .putPolicies("ns[default]-policy[alice]-rule[0]", Policy.newBuilder()
                        .addPermissions(Permission.newBuilder().setAny(true))
                        .addPrincipals(Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder()
                                .setPrincipalName(StringMatcher.newBuilder().setExact(RbacFixtures.ALICE))))
                        .build()))
                .build();

        XdsSnapshots.Candidate c = XdsSnapshots.build(base, inbound(allowFilter(allowAlice)), "v1");

        assertThat(c.snapshot().listeners().get(0).http().authorization().filters())
                .extracting(RbacFilter::name, RbacFilter::policyNames)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("weft.authz.allow",
                        java.util.List.of("ns[default]-policy[alice]-rule[0]")));
    }

    @Test
    void anUnsupportedFieldOverXdsIsANackNamingTheResourceAndField() throws Exception {
        ProxySnapshot base = BootstrapLoader.build(XdsFixtures.bootstrap(18000));
        RBAC shadow = RBAC.newBuilder().setShadowRules(io.envoyproxy.envoy.config.rbac.v3.RBAC.getDefaultInstance()).build();

        assertThatThrownBy(() -> XdsSnapshots.build(base, inbound(allowFilter(shadow)), "v1"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Listener[inbound].filter_chains[0].filters[0].typed_config.http_filters[0].typed_config.shadow_rules: "
                        + "is not supported by Weft (see docs/envoy-compat.md)");
    }
}
