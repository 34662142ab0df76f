package dev.weft.controlplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UInt32Value;
import dev.weft.api.Resource;
import dev.weft.api.policy.AuthorizationDefault;
import dev.weft.api.security.AuthorizationAction;
import dev.weft.api.security.AuthorizationPolicySpec;
import dev.weft.api.security.AuthorizationRule;
import dev.weft.api.security.Condition;
import dev.weft.api.security.Operation;
import dev.weft.api.security.Source;
import dev.weft.api.security.Wildcard;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Translates the {@code AuthorizationPolicy}s that select a sidecar into the RBAC HTTP filters of its inbound
 * listener, as the issue 4 contract says: {@value #DENY_FILTER}, {@value #ALLOW_FILTER} and {@value #AUDIT_FILTER}
 * (each only when needed) before the router, one Envoy policy {@code ns[<ns>]-policy[<name>]-rule[<i>]} per rule.
 *
 * <p>A policy selects a sidecar of its namespace by the sidecar's service and labels (node metadata). The ALLOW
 * filter exists when some ALLOW policy selects the sidecar, or when MeshConfig makes default-deny; without an
 * Envoy policy it then denies every request, which is what an ALLOW policy without rules means. A DENY or AUDIT
 * filter without policies would do nothing and is left out.
 *
 * <p>Only the principal and permission types the proxy implements are emitted: principals {@code any},
 * {@code authenticated} (exact, prefix, suffix, safe_regex), {@code and_ids}, {@code or_ids}, {@code not_id},
 * {@code direct_remote_ip}; permissions {@code any}, {@code header}, {@code url_path}, {@code and_rules},
 * {@code or_rules}, {@code not_rule}, {@code destination_port}.
 *
 * <p>Policies are translated once per model and shared by the sidecars that the same policies select. Not
 * thread-safe, like the {@link Translator} that owns it.
 */
final class AuthorizationTranslator {

    static final String DENY_FILTER = "weft.authz.deny";
    static final String ALLOW_FILTER = "weft.authz.allow";
    static final String AUDIT_FILTER = "weft.authz.audit";

    /** Any SPIFFE ID: what principal "*" (any authenticated caller) matches. */
    static final String ANY_SPIFFE_ID = "spiffe://.+";
    private static final String TRUST_DOMAIN = "spiffe://[^/]+";
    private static final String SEGMENT = "[^/]+";

    private final MeshModel model;
    private final Map<Resource<AuthorizationPolicySpec>, Map<String, Policy>> translated = new HashMap<>();

    AuthorizationTranslator(MeshModel model) {
        this.model = model;
    }

    /**
     * What authorizes requests to one sidecar's inbound listener.
     *
     * @param key identifies the filters within one model: the namespace, the default and the selected policies
     * @param filters the RBAC filters in order (deny, allow, audit), empty when nothing restricts the sidecar
     */
    record Inbound(String key, List<HttpFilter> filters) {

        /** {@code listener} with the filters before the router of every HTTP connection manager it has. */
        Listener apply(Listener listener) {
            return filters.isEmpty() ? listener : withFilters(listener, filters);
        }
    }

    /** The inbound authorization of a sidecar node, from the policies of its namespace that select it. */
    Inbound inbound(NodeInfo node) {
        List<Resource<AuthorizationPolicySpec>> selected = model.authorizationPolicies(node.namespace()).stream()
                .filter(p -> p.spec().selector().selects(node.service(), node.labels()))
                .sorted(Comparator.comparing(p -> p.metadata().name()))
                .toList();
        boolean defaultDeny = model.defaultAuthorization() == AuthorizationDefault.DENY;
        Map<AuthorizationAction, Map<String, Policy>> byAction = new EnumMap<>(AuthorizationAction.class);
        if (defaultDeny) {
            byAction.put(AuthorizationAction.ALLOW, new LinkedHashMap<>());
        }
        for (Resource<AuthorizationPolicySpec> policy : selected) {
            byAction.computeIfAbsent(policy.spec().action(), a -> new LinkedHashMap<>())
                    .putAll(translated.computeIfAbsent(policy, AuthorizationTranslator::policies));
        }
        List<HttpFilter> filters = new ArrayList<>();
        // the contract's order: DENY is decided before ALLOW, and AUDIT sees only what both let through
        addFilter(filters, DENY_FILTER, RBAC.Action.DENY, byAction.get(AuthorizationAction.DENY), false);
        addFilter(filters, ALLOW_FILTER, RBAC.Action.ALLOW, byAction.get(AuthorizationAction.ALLOW), true);
        addFilter(filters, AUDIT_FILTER, RBAC.Action.LOG, byAction.get(AuthorizationAction.AUDIT), false);
        String key = node.namespace() + (defaultDeny ? "|default-deny" : "|default-allow") + selected.stream()
                .map(p -> "|" + p.metadata().name()).collect(Collectors.joining());
        return new Inbound(key, List.copyOf(filters));
    }

    private static void addFilter(List<HttpFilter> filters, String name, RBAC.Action action,
                                  Map<String, Policy> policies, boolean evenWithoutPolicies) {
        if (policies == null || (policies.isEmpty() && !evenWithoutPolicies)) {
            return;
        }
        RBAC rules = RBAC.newBuilder().setAction(action).putAllPolicies(policies).build();
        filters.add(HttpFilter.newBuilder().setName(name).setTypedConfig(Any.pack(
                io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder().setRules(rules).build()))
                .build());
    }

    /** The Envoy policies of one AuthorizationPolicy, by name, one per rule. */
    static Map<String, Policy> policies(Resource<AuthorizationPolicySpec> policy) {
        Map<String, Policy> result = new LinkedHashMap<>();
        List<AuthorizationRule> rules = policy.spec().rules();
        for (int i = 0; i < rules.size(); i++) {
            result.put(policyName(policy.metadata().namespace(), policy.metadata().name(), i), policy(rules.get(i)));
        }
        return result;
    }

    /** Istio's name of the Envoy policy of one rule, which the proxy's stats and access log show. */
    static String policyName(String namespace, String name, int rule) {
        return "ns[" + namespace + "]-policy[" + name + "]-rule[" + rule + "]";
    }

    /**
     * One rule as one Envoy policy: the permission is some operation of {@code to} and the request conditions
     * (headers, port), the principal some source of {@code from} and the caller conditions.
     */
    static Policy policy(AuthorizationRule rule) {
        List<Permission> permissions = new ArrayList<>();
        if (!rule.to().isEmpty()) {
            permissions.add(orRules(rule.to(), AuthorizationTranslator::operation));
        }
        List<Principal> principals = new ArrayList<>();
        if (!rule.from().isEmpty()) {
            principals.add(orIds(rule.from(), AuthorizationTranslator::source));
        }
        for (Condition condition : rule.when()) {
            switch (condition.attribute()) {
                case REQUEST_HEADER -> {
                    String header = condition.headerName().toLowerCase(Locale.ROOT);
                    addPermission(permissions, condition, v -> headerPermission(header, headerValue(header, v)));
                }
                case DESTINATION_PORT -> addPermission(permissions, condition, v -> port(Integer.parseInt(v)));
                case SOURCE_PRINCIPAL -> addPrincipal(principals, condition, AuthorizationTranslator::principal);
                case SOURCE_NAMESPACE -> addPrincipal(principals, condition, AuthorizationTranslator::namespace);
                case SOURCE_IP -> addPrincipal(principals, condition, AuthorizationTranslator::ipBlock);
            }
        }
        return Policy.newBuilder()
                .addPermissions(permissions.isEmpty() ? Permission.newBuilder().setAny(true).build()
                        : Permission.newBuilder().setAndRules(Permission.Set.newBuilder().addAllRules(permissions))
                        .build())
                .addPrincipals(principals.isEmpty() ? Principal.newBuilder().setAny(true).build()
                        : Principal.newBuilder().setAndIds(Principal.Set.newBuilder().addAllIds(principals)).build())
                .build();
    }

    private static void addPermission(List<Permission> parts, Condition condition,
                                      Function<String, Permission> value) {
        permissionField(parts, condition.values(), condition.notValues(), value);
    }

    private static void addPrincipal(List<Principal> parts, Condition condition, Function<String, Principal> value) {
        principalField(parts, condition.values(), condition.notValues(), value);
    }

    // ---- from: sources are principals

    private static Principal source(Source source) {
        List<Principal> fields = new ArrayList<>();
        principalField(fields, source.principals(), source.notPrincipals(), AuthorizationTranslator::principal);
        principalField(fields, source.namespaces(), source.notNamespaces(), AuthorizationTranslator::namespace);
        principalField(fields, source.ipBlocks(), source.notIpBlocks(), AuthorizationTranslator::ipBlock);
        // the codec refuses a source without fields; a Source built in code may still have none (an empty set NACKs)
        return fields.isEmpty() ? Principal.newBuilder().setAny(true).build()
                : Principal.newBuilder().setAndIds(Principal.Set.newBuilder().addAllIds(fields)).build();
    }

    /** One field of a source: any of {@code values} (when set) and none of {@code notValues} (when set). */
    private static void principalField(List<Principal> fields, List<String> values, List<String> notValues,
                                       Function<String, Principal> value) {
        if (!values.isEmpty()) {
            fields.add(orIds(values, value));
        }
        if (!notValues.isEmpty()) {
            fields.add(notId(orIds(notValues, value)));
        }
    }

    /** A SPIFFE ID pattern: "*" is any authenticated caller, which a plaintext request never is. */
    static Principal principal(String value) {
        Wildcard w = Wildcard.parse(value);
        StringMatcher.Builder matcher = StringMatcher.newBuilder();
        switch (w.kind()) {
            case ANY -> matcher.setSafeRegex(regex(ANY_SPIFFE_ID));
            case EXACT -> matcher.setExact(w.text());
            case PREFIX -> matcher.setPrefix(w.text());
            case SUFFIX -> matcher.setSuffix(w.text());
        }
        return authenticated(matcher.build());
    }

    /** The caller's namespace is the {@code ns} segment of its SPIFFE ID, in any trust domain. */
    static Principal namespace(String value) {
        Wildcard w = Wildcard.parse(value);
        String namespace = switch (w.kind()) {
            case ANY -> SEGMENT;
            case EXACT -> RouteTranslator.quote(w.text());
            case PREFIX -> RouteTranslator.quote(w.text()) + "[^/]*";
            case SUFFIX -> "[^/]*" + RouteTranslator.quote(w.text());
        };
        return authenticated(StringMatcher.newBuilder()
                .setSafeRegex(regex(TRUST_DOMAIN + "/ns/" + namespace + "/sa/" + SEGMENT)).build());
    }

    static Principal ipBlock(String value) {
        int slash = value.indexOf('/');
        String address = slash < 0 ? value : value.substring(0, slash);
        int length = slash >= 0 ? Integer.parseInt(value.substring(slash + 1)) : address.contains(":") ? 128 : 32;
        return Principal.newBuilder().setDirectRemoteIp(CidrRange.newBuilder().setAddressPrefix(address)
                .setPrefixLen(UInt32Value.of(length))).build();
    }

    private static Principal authenticated(StringMatcher name) {
        return Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder().setPrincipalName(name))
                .build();
    }

    // ---- to: operations are permissions

    private static Permission operation(Operation operation) {
        List<Permission> fields = new ArrayList<>();
        permissionField(fields, operation.hosts(), operation.notHosts(), h -> headerPermission(":authority", host(h)));
        permissionField(fields, operation.ports(), operation.notPorts(), AuthorizationTranslator::port);
        permissionField(fields, operation.methods(), operation.notMethods(), m -> headerPermission(":method",
                HeaderMatcher.newBuilder().setStringMatch(StringMatcher.newBuilder().setExact(m))));
        permissionField(fields, operation.paths(), operation.notPaths(), AuthorizationTranslator::path);
        return fields.isEmpty() ? Permission.newBuilder().setAny(true).build()
                : Permission.newBuilder().setAndRules(Permission.Set.newBuilder().addAllRules(fields)).build();
    }

    /** One field of an operation or condition: any of {@code values} (when set) and none of {@code notValues}. */
    private static <T> void permissionField(List<Permission> fields, List<T> values, List<T> notValues,
                                            Function<T, Permission> value) {
        if (!values.isEmpty()) {
            fields.add(orRules(values, value));
        }
        if (!notValues.isEmpty()) {
            fields.add(notRule(orRules(notValues, value)));
        }
    }

    /** The port the request arrived at: the sidecar's inbound port. */
    private static Permission port(int port) {
        return Permission.newBuilder().setDestinationPort(port).build();
    }

    /** The path without the query; "*" is any request. */
    static Permission path(String value) {
        Wildcard w = Wildcard.parse(value);
        StringMatcher.Builder matcher = StringMatcher.newBuilder();
        switch (w.kind()) {
            case ANY -> {
                return Permission.newBuilder().setAny(true).build();
            }
            case EXACT -> matcher.setExact(w.text());
            case PREFIX -> matcher.setPrefix(w.text());
            case SUFFIX -> matcher.setSuffix(w.text());
        }
        return Permission.newBuilder().setUrlPath(PathMatcher.newBuilder().setPath(matcher)).build();
    }

    /** Hosts match case-insensitively and whatever port the Host header carries, as Istio's do. */
    static HeaderMatcher.Builder host(String value) {
        Wildcard w = Wildcard.parse(value);
        String port = "(:[0-9]+)?";
        String pattern = switch (w.kind()) {
            case ANY -> null;
            case EXACT -> RouteTranslator.quote(w.text()) + port;
            case PREFIX -> RouteTranslator.quote(w.text()) + ".*";
            case SUFFIX -> ".*" + RouteTranslator.quote(w.text()) + port;
        };
        return pattern == null ? HeaderMatcher.newBuilder().setPresentMatch(true) : HeaderMatcher.newBuilder()
                .setStringMatch(StringMatcher.newBuilder().setSafeRegex(regex("(?i)" + pattern)));
    }

    /** A request header value; "*" is any value of a header that is present. */
    static HeaderMatcher.Builder headerValue(String header, String value) {
        Wildcard w = Wildcard.parse(value);
        HeaderMatcher.Builder matcher = HeaderMatcher.newBuilder();
        switch (w.kind()) {
            case ANY -> matcher.setPresentMatch(true);
            case EXACT -> matcher.setStringMatch(StringMatcher.newBuilder().setExact(w.text()));
            case PREFIX -> matcher.setStringMatch(StringMatcher.newBuilder().setPrefix(w.text()));
            case SUFFIX -> matcher.setStringMatch(StringMatcher.newBuilder().setSuffix(w.text()));
        }
        return matcher;
    }

    private static Permission headerPermission(String name, HeaderMatcher.Builder matcher) {
        return Permission.newBuilder().setHeader(matcher.setName(name)).build();
    }

    // ---- sets

    private static <T> Permission orRules(List<T> values, Function<T, Permission> permission) {
        return Permission.newBuilder().setOrRules(Permission.Set.newBuilder()
                .addAllRules(values.stream().map(permission).toList())).build();
    }

    private static Permission notRule(Permission permission) {
        return Permission.newBuilder().setNotRule(permission).build();
    }

    private static <T> Principal orIds(List<T> values, Function<T, Principal> principal) {
        return Principal.newBuilder().setOrIds(Principal.Set.newBuilder()
                .addAllIds(values.stream().map(principal).toList())).build();
    }

    private static Principal notId(Principal principal) {
        return Principal.newBuilder().setNotId(principal).build();
    }

    private static RegexMatcher regex(String regex) {
        return RegexMatcher.newBuilder().setRegex(regex).build();
    }

    // ---- the listener

    /**
     * {@code listener} with {@code filters} inserted before the router of every HTTP connection manager of every
     * filter chain, so that each chain (mTLS or plaintext) enforces the same policies.
     */
    static Listener withFilters(Listener listener, List<HttpFilter> filters) {
        Listener.Builder builder = listener.toBuilder();
        for (FilterChain.Builder chain : builder.getFilterChainsBuilderList()) {
            for (Filter.Builder filter : chain.getFiltersBuilderList()) {
                if (!filter.getTypedConfig().is(HttpConnectionManager.class)) {
                    continue;
                }
                HttpConnectionManager.Builder hcm = unpack(filter.getTypedConfig()).toBuilder();
                int router = hcm.getHttpFiltersCount();
                for (int i = 0; i < hcm.getHttpFiltersCount(); i++) {
                    if (hcm.getHttpFilters(i).getName().equals(XdsResources.ROUTER)) {
                        router = i;
                        break;
                    }
                }
                for (int i = 0; i < filters.size(); i++) {
                    hcm.addHttpFilters(router + i, filters.get(i));
                }
                filter.setTypedConfig(Any.pack(hcm.build()));
            }
        }
        return builder.build();
    }

    private static HttpConnectionManager unpack(Any config) {
        try {
            return config.unpack(HttpConnectionManager.class);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("the translator's own connection manager does not parse", e);
        }
    }
}
