package dev.weft.api.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.api.gateway.HttpBackendRef;
import dev.weft.api.gateway.HttpMethod;
import dev.weft.api.gateway.HttpRouteFilter;
import dev.weft.api.gateway.HttpRouteMatch;
import dev.weft.api.gateway.HttpRouteRetry;
import dev.weft.api.gateway.HttpRouteRule;
import dev.weft.api.gateway.HttpRouteSpec;
import dev.weft.api.gateway.HttpRouteTimeouts;
import dev.weft.api.gateway.MatchType;
import dev.weft.api.gateway.PathMatch;
import dev.weft.api.gateway.PathMatchType;
import dev.weft.api.gateway.PathModifier;
import dev.weft.api.gateway.PathModifierType;
import dev.weft.api.gateway.QueryParamMatch;
import dev.weft.api.gateway.RequestHeaderModifier;
import dev.weft.api.gateway.RequestMirror;
import dev.weft.api.gateway.RequestRedirect;
import dev.weft.api.gateway.ResponseHeaderModifier;
import dev.weft.api.gateway.UrlRewrite;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reads and writes {@code HTTPRoute} specs following the Gateway API v1 validation rules. */
public final class HttpRouteCodec implements SpecCodec<HttpRouteSpec> {

    private static final int MAX_RULES = 16;
    private static final int MAX_MATCHES_PER_RULE = 64;
    private static final int MAX_MATCHES_PER_ROUTE = 128;
    private static final String[] RULE_FIELDS =
            {"name", "matches", "filters", "backendRefs", "timeouts", "retry"};
    private static final String[] MATCH_FIELDS = {"path", "headers", "queryParams", "method"};
    private static final GatewayCommon.FilterTypes FILTER_TYPES = GatewayCommon.filterTypes(
            RequestHeaderModifier.TYPE, "requestHeaderModifier",
            ResponseHeaderModifier.TYPE, "responseHeaderModifier",
            RequestMirror.TYPE, "requestMirror",
            RequestRedirect.TYPE, "requestRedirect",
            UrlRewrite.TYPE, "urlRewrite");
    private static final List<String> ONCE_ONLY = List.of(RequestHeaderModifier.TYPE, ResponseHeaderModifier.TYPE,
            RequestRedirect.TYPE, UrlRewrite.TYPE);
    private static final Set<Integer> REDIRECT_CODES = Set.of(301, 302, 303, 307, 308);

    @Override
    public HttpRouteSpec read(JsonNode node, String path, Problems problems) {
        FieldReader spec = FieldReader.of(node, path, problems, "parentRefs", "hostnames", "rules");
        var parentRefs = GatewayCommon.parentRefs(spec);
        var hostnames = GatewayCommon.hostnames(spec);
        List<HttpRouteRule> rules = spec.objects("rules", MAX_RULES, RULE_FIELDS, HttpRouteCodec::rule);
        if (rules.isEmpty()) {
            // Gateway API default: one rule matching every request
            rules = List.of(new HttpRouteRule(null, List.of(defaultMatch()), List.of(), List.of(), null, null));
        }
        int matches = 0;
        for (JsonNode rule : spec.has("rules") && spec.raw("rules").isArray() ? spec.raw("rules") : List.<JsonNode>of()) {
            JsonNode given = rule.get("matches");
            matches += given != null && given.isArray() && !given.isEmpty() ? given.size() : 1;
        }
        if (matches > MAX_MATCHES_PER_ROUTE) {
            spec.error("rules", "must have at most " + MAX_MATCHES_PER_ROUTE + " matches across all rules, got "
                    + matches);
        }
        GatewayCommon.rejectDuplicateNames(spec, "rules", rules, HttpRouteRule::name, false);
        return new HttpRouteSpec(parentRefs, hostnames, rules);
    }

    private static HttpRouteMatch defaultMatch() {
        return new HttpRouteMatch(PathMatch.DEFAULT, List.of(), List.of(), null);
    }

    private static HttpRouteRule rule(FieldReader rule) {
        String name = rule.string("name");
        GatewayCommon.check(rule, "name", name, Formats::objectName);
        List<HttpRouteMatch> matches = rule.objects("matches", MAX_MATCHES_PER_RULE, MATCH_FIELDS,
                HttpRouteCodec::match);
        if (matches.isEmpty()) {
            matches = List.of(defaultMatch());
        }
        List<HttpRouteFilter> filters = filters(rule, "filters");
        List<HttpBackendRef> backendRefs = rule.objects("backendRefs", 16, GatewayCommon.BACKEND_REF_FIELDS,
                HttpRouteCodec::backendRef);
        for (int i = 0; i < filters.size(); i++) {
            if (filters.get(i) instanceof RequestRedirect && !backendRefs.isEmpty()) {
                rule.problems().add(Paths.index(rule.path("filters"), i),
                        "RequestRedirect answers the request itself, so the rule must not have backendRefs");
            }
        }
        boolean onePrefixMatch = matches.size() == 1 && matches.get(0).path() != null
                && matches.get(0).path().type() == PathMatchType.PATH_PREFIX;
        if (!onePrefixMatch) {
            rejectReplacePrefixMatch(rule, rule.path("filters"), filters);
            for (int i = 0; i < backendRefs.size(); i++) {
                rejectReplacePrefixMatch(rule, Paths.field(Paths.index(rule.path("backendRefs"), i), "filters"),
                        backendRefs.get(i).filters());
            }
        }
        return new HttpRouteRule(name, matches, filters, backendRefs, timeouts(rule), retry(rule, "retry"));
    }

    private static void rejectReplacePrefixMatch(FieldReader rule, String listPath, List<HttpRouteFilter> filters) {
        for (int i = 0; i < filters.size(); i++) {
            HttpRouteFilter filter = filters.get(i);
            PathModifier modifier = filter instanceof UrlRewrite rewrite ? rewrite.path()
                    : filter instanceof RequestRedirect redirect ? redirect.path() : null;
            if (modifier != null && modifier.type() == PathModifierType.REPLACE_PREFIX_MATCH) {
                String field = filter instanceof UrlRewrite ? "urlRewrite" : "requestRedirect";
                rule.problems().add(Paths.field(Paths.field(Paths.index(listPath, i), field), "path"),
                        "ReplacePrefixMatch needs the rule to have exactly one match, of type PathPrefix");
            }
        }
    }

    private static HttpRouteMatch match(FieldReader match) {
        PathMatch path = PathMatch.DEFAULT;
        FieldReader p = match.object("path", "type", "value");
        if (p != null) {
            PathMatchType type = p.enumeration("type", PathMatchType.values(), PathMatchType::wireName);
            type = type == null ? PathMatchType.PATH_PREFIX : type;
            String value = p.string("value");
            value = value == null ? "/" : value;
            GatewayCommon.check(p, "value", value, type == PathMatchType.REGULAR_EXPRESSION
                    ? v -> v.length() > 1024 ? "must be at most 1024 characters, got " + v.length() : Formats.regex(v)
                    : Formats::httpPath);
            path = new PathMatch(type, value);
        }
        List<QueryParamMatch> queryParams = match.objects("queryParams", 16,
                new String[] {"type", "name", "value"}, q -> {
                    MatchType type = GatewayCommon.matchType(q);
                    String name = q.requiredString("name");
                    GatewayCommon.check(q, "name", name, Formats::headerName);
                    String value = q.requiredString("value");
                    GatewayCommon.check(q, "value", value, v -> v.isEmpty() || v.length() > 1024
                            ? "must be 1 to 1024 characters, got " + v.length()
                            : type == MatchType.REGULAR_EXPRESSION ? Formats.regex(v) : null);
                    return new QueryParamMatch(type, name, value);
                });
        GatewayCommon.rejectDuplicateNames(match, "queryParams", queryParams, QueryParamMatch::name, false);
        HttpMethod method = match.enumeration("method", HttpMethod.values(), HttpMethod::name);
        return new HttpRouteMatch(path, GatewayCommon.headerMatches(match), queryParams, method);
    }

    private static List<HttpRouteFilter> filters(FieldReader parent, String field) {
        List<String> types = new ArrayList<>();
        List<HttpRouteFilter> filters = parent.objects(field, 16, FILTER_TYPES.fields(), f -> {
            String type = GatewayCommon.filterType(f, FILTER_TYPES);
            types.add(type);
            if (type == null) {
                return null;
            }
            return switch (type) {
                case RequestHeaderModifier.TYPE -> GatewayCommon.requestHeaderModifier(f);
                case ResponseHeaderModifier.TYPE -> GatewayCommon.responseHeaderModifier(f);
                case RequestMirror.TYPE -> GatewayCommon.requestMirror(f);
                case RequestRedirect.TYPE -> redirect(f);
                default -> urlRewrite(f);
            };
        });
        GatewayCommon.rejectRepeated(parent, field, types, ONCE_ONLY);
        int redirect = types.indexOf(RequestRedirect.TYPE);
        int rewrite = types.indexOf(UrlRewrite.TYPE);
        if (redirect >= 0 && rewrite >= 0) {
            parent.problems().add(Paths.index(parent.path(field), Math.max(redirect, rewrite)),
                    "RequestRedirect and URLRewrite cannot be combined");
        }
        return filters;
    }

    private static RequestRedirect redirect(FieldReader filter) {
        FieldReader r = filter.object("requestRedirect", "scheme", "hostname", "path", "port", "statusCode");
        if (r == null) {
            return null;
        }
        String scheme = r.string("scheme");
        GatewayCommon.check(r, "scheme", scheme, s -> s.equals("http") || s.equals("https") ? null
                : "must be one of http, https, got \"" + s + "\"");
        String hostname = r.string("hostname");
        GatewayCommon.check(r, "hostname", hostname, h -> Formats.hostname(h, false));
        Integer port = r.integer("port", 1, 65535);
        Integer statusCode = r.integer("statusCode", 0, Integer.MAX_VALUE);
        if (statusCode != null && !REDIRECT_CODES.contains(statusCode)) {
            r.error("statusCode", "must be one of 301, 302, 303, 307, 308, got " + statusCode);
        }
        return new RequestRedirect(scheme, hostname, pathModifier(r), port,
                statusCode == null ? RequestRedirect.DEFAULT_STATUS_CODE : statusCode);
    }

    private static UrlRewrite urlRewrite(FieldReader filter) {
        FieldReader r = filter.object("urlRewrite", "hostname", "path");
        if (r == null) {
            return null;
        }
        String hostname = r.string("hostname");
        GatewayCommon.check(r, "hostname", hostname, h -> Formats.hostname(h, false));
        return new UrlRewrite(hostname, pathModifier(r));
    }

    private static PathModifier pathModifier(FieldReader parent) {
        FieldReader p = parent.object("path", "type", "replaceFullPath", "replacePrefixMatch");
        if (p == null) {
            return null;
        }
        PathModifierType type = p.enumeration("type", PathModifierType.values(), PathModifierType::wireName);
        if (type == null) {
            if (!p.has("type")) {
                p.error("type", "is required");
            }
            return null;
        }
        for (PathModifierType other : PathModifierType.values()) {
            if (other != type && p.has(other.valueField())) {
                p.error(other.valueField(), "must not be set when type is " + type.wireName());
            }
        }
        String value = p.string(type.valueField());
        if (value == null && !p.has(type.valueField())) {
            p.error(type.valueField(), "is required when type is " + type.wireName());
        }
        GatewayCommon.check(p, type.valueField(), value, v -> v.length() > 1024
                ? "must be at most 1024 characters, got " + v.length() : null);
        return new PathModifier(type, value);
    }

    private static HttpBackendRef backendRef(FieldReader r) {
        var ref = GatewayCommon.backendObjectRef(r);
        return new HttpBackendRef(ref.group(), ref.kind(), ref.name(), ref.namespace(), ref.port(),
                GatewayCommon.weight(r), filters(r, "filters"));
    }

    private static HttpRouteTimeouts timeouts(FieldReader rule) {
        FieldReader t = rule.object("timeouts", "request", "backendRequest");
        if (t == null) {
            return null;
        }
        Duration request = t.duration("request");
        Duration backendRequest = t.duration("backendRequest");
        if (request != null && backendRequest != null && !request.isZero()
                && (backendRequest.isZero() || backendRequest.compareTo(request) > 0)) {
            t.error("backendRequest", "must not be longer than request (" + Durations.format(request) + "), got "
                    + (backendRequest.isZero() ? "0s (no timeout)" : Durations.format(backendRequest)));
        }
        return new HttpRouteTimeouts(request, backendRequest);
    }

    /** Reads an HTTPRoute {@code retry}; MeshConfig's default retries have the same shape. */
    static HttpRouteRetry retry(FieldReader parent, String field) {
        FieldReader r = parent.object(field, "codes", "attempts", "backoff");
        if (r == null) {
            return null;
        }
        return new HttpRouteRetry(r.integers("codes", 200, 400, 599), r.integer("attempts", 0, Integer.MAX_VALUE),
                r.duration("backoff"));
    }

    static ObjectNode writeRetry(HttpRouteRetry retry) {
        ObjectNode node = Json.object();
        Json.putIntegers(node, "codes", retry.codes());
        Json.put(node, "attempts", retry.attempts());
        Json.put(node, "backoff", retry.backoff());
        return node;
    }

    @Override
    public ObjectNode write(HttpRouteSpec spec) {
        ObjectNode node = Json.object();
        Json.putList(node, "parentRefs", spec.parentRefs(), GatewayCommon::writeParentRef);
        Json.putStrings(node, "hostnames", spec.hostnames());
        Json.putList(node, "rules", spec.rules(), HttpRouteCodec::writeRule);
        return node;
    }

    private static ObjectNode writeRule(HttpRouteRule rule) {
        ObjectNode node = Json.object();
        Json.put(node, "name", rule.name());
        Json.putList(node, "matches", rule.matches(), HttpRouteCodec::writeMatch);
        Json.putList(node, "filters", rule.filters(), HttpRouteCodec::writeFilter);
        Json.putList(node, "backendRefs", rule.backendRefs(), ref -> {
            ObjectNode b = GatewayCommon.writeBackendObjectRef(ref.group(), ref.kind(), ref.name(), ref.namespace(),
                    ref.port());
            b.put("weight", ref.weight());
            Json.putList(b, "filters", ref.filters(), HttpRouteCodec::writeFilter);
            return b;
        });
        if (rule.timeouts() != null) {
            ObjectNode t = node.putObject("timeouts");
            Json.put(t, "request", rule.timeouts().request());
            Json.put(t, "backendRequest", rule.timeouts().backendRequest());
        }
        if (rule.retry() != null) {
            node.set("retry", writeRetry(rule.retry()));
        }
        return node;
    }

    private static ObjectNode writeMatch(HttpRouteMatch match) {
        ObjectNode node = Json.object();
        ObjectNode path = node.putObject("path");
        path.put("type", match.path().type().wireName());
        path.put("value", match.path().value());
        Json.putList(node, "headers", match.headers(), GatewayCommon::writeHeaderMatch);
        Json.putList(node, "queryParams", match.queryParams(), q -> {
            ObjectNode n = Json.object();
            n.put("type", q.type().wireName());
            n.put("name", q.name());
            n.put("value", q.value());
            return n;
        });
        if (match.method() != null) {
            node.put("method", match.method().name());
        }
        return node;
    }

    private static ObjectNode writeFilter(HttpRouteFilter filter) {
        ObjectNode node = Json.object();
        node.put("type", filter.type());
        if (filter instanceof RequestHeaderModifier m) {
            node.set("requestHeaderModifier", GatewayCommon.writeHeaderModifier(m));
        } else if (filter instanceof ResponseHeaderModifier m) {
            node.set("responseHeaderModifier", GatewayCommon.writeHeaderModifier(m));
        } else if (filter instanceof RequestMirror m) {
            node.set("requestMirror", GatewayCommon.writeRequestMirror(m));
        } else if (filter instanceof RequestRedirect r) {
            ObjectNode n = node.putObject("requestRedirect");
            Json.put(n, "scheme", r.scheme());
            Json.put(n, "hostname", r.hostname());
            Json.put(n, "path", r.path() == null ? null : writePathModifier(r.path()));
            Json.put(n, "port", r.port());
            n.put("statusCode", r.statusCode());
        } else if (filter instanceof UrlRewrite r) {
            ObjectNode n = node.putObject("urlRewrite");
            Json.put(n, "hostname", r.hostname());
            Json.put(n, "path", r.path() == null ? null : writePathModifier(r.path()));
        }
        return node;
    }

    private static ObjectNode writePathModifier(PathModifier modifier) {
        ObjectNode node = Json.object();
        node.put("type", modifier.type().wireName());
        node.put(modifier.type().valueField(), modifier.value());
        return node;
    }
}
