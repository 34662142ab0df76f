package dev.weft.api.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.api.gateway.GrpcBackendRef;
import dev.weft.api.gateway.GrpcMethodMatch;
import dev.weft.api.gateway.GrpcRouteFilter;
import dev.weft.api.gateway.GrpcRouteMatch;
import dev.weft.api.gateway.GrpcRouteRule;
import dev.weft.api.gateway.GrpcRouteSpec;
import dev.weft.api.gateway.MatchType;
import dev.weft.api.gateway.RequestHeaderModifier;
import dev.weft.api.gateway.RequestMirror;
import dev.weft.api.gateway.ResponseHeaderModifier;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Reads and writes {@code GRPCRoute} specs following the Gateway API v1 validation rules. */
public final class GrpcRouteCodec implements SpecCodec<GrpcRouteSpec> {

    private static final Pattern SERVICE = Pattern.compile("^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$");
    private static final Pattern METHOD = Pattern.compile("^[A-Za-z_][A-Za-z_0-9]*$");
    private static final GatewayCommon.FilterTypes FILTER_TYPES = GatewayCommon.filterTypes(
            RequestHeaderModifier.TYPE, "requestHeaderModifier",
            ResponseHeaderModifier.TYPE, "responseHeaderModifier",
            RequestMirror.TYPE, "requestMirror");
    private static final List<String> ONCE_ONLY = List.of(RequestHeaderModifier.TYPE, ResponseHeaderModifier.TYPE);

    @Override
    public GrpcRouteSpec read(JsonNode node, String path, Problems problems) {
        FieldReader spec = FieldReader.of(node, path, problems, "parentRefs", "hostnames", "rules");
        var parentRefs = GatewayCommon.parentRefs(spec);
        var hostnames = GatewayCommon.hostnames(spec);
        List<GrpcRouteRule> rules = spec.objects("rules", 16, new String[] {"matches", "filters", "backendRefs"},
                rule -> new GrpcRouteRule(
                        rule.objects("matches", 8, new String[] {"method", "headers"},
                                m -> new GrpcRouteMatch(method(m), GatewayCommon.headerMatches(m))),
                        filters(rule),
                        rule.objects("backendRefs", 16, GatewayCommon.BACKEND_REF_FIELDS, GrpcRouteCodec::backendRef)));
        return new GrpcRouteSpec(parentRefs, hostnames, rules);
    }

    private static GrpcMethodMatch method(FieldReader match) {
        FieldReader m = match.object("method", "type", "service", "method");
        if (m == null) {
            return null;
        }
        MatchType type = GatewayCommon.matchType(m);
        String service = m.string("service");
        String method = m.string("method");
        if (!m.has("service") && !m.has("method")) {
            m.error("must set service, method or both");
        }
        boolean exact = type == MatchType.EXACT;
        GatewayCommon.check(m, "service", service, s -> s.length() > 1024 ? "must be at most 1024 characters"
                : !exact ? Formats.regex(s)
                : SERVICE.matcher(s).matches() ? null
                : "must be a gRPC service name such as \"helloworld.Greeter\", got \"" + s + "\"");
        GatewayCommon.check(m, "method", method, s -> s.length() > 1024 ? "must be at most 1024 characters"
                : !exact ? Formats.regex(s)
                : METHOD.matcher(s).matches() ? null
                : "must be a gRPC method name such as \"SayHello\", got \"" + s + "\"");
        return new GrpcMethodMatch(type, service, method);
    }

    private static List<GrpcRouteFilter> filters(FieldReader parent) {
        List<String> types = new ArrayList<>();
        List<GrpcRouteFilter> filters = parent.objects("filters", 16, FILTER_TYPES.fields(), f -> {
            String type = GatewayCommon.filterType(f, FILTER_TYPES);
            types.add(type);
            if (type == null) {
                return null;
            }
            return switch (type) {
                case RequestHeaderModifier.TYPE -> GatewayCommon.requestHeaderModifier(f);
                case ResponseHeaderModifier.TYPE -> GatewayCommon.responseHeaderModifier(f);
                default -> GatewayCommon.requestMirror(f);
            };
        });
        GatewayCommon.rejectRepeated(parent, "filters", types, ONCE_ONLY);
        return filters;
    }

    private static GrpcBackendRef backendRef(FieldReader r) {
        var ref = GatewayCommon.backendObjectRef(r);
        return new GrpcBackendRef(ref.group(), ref.kind(), ref.name(), ref.namespace(), ref.port(),
                GatewayCommon.weight(r), filters(r));
    }

    @Override
    public ObjectNode write(GrpcRouteSpec spec) {
        ObjectNode node = Json.object();
        Json.putList(node, "parentRefs", spec.parentRefs(), GatewayCommon::writeParentRef);
        Json.putStrings(node, "hostnames", spec.hostnames());
        Json.putList(node, "rules", spec.rules(), rule -> {
            ObjectNode r = Json.object();
            Json.putList(r, "matches", rule.matches(), match -> {
                ObjectNode m = Json.object();
                if (match.method() != null) {
                    ObjectNode method = m.putObject("method");
                    method.put("type", match.method().type().wireName());
                    Json.put(method, "service", match.method().service());
                    Json.put(method, "method", match.method().method());
                }
                Json.putList(m, "headers", match.headers(), GatewayCommon::writeHeaderMatch);
                return m;
            });
            Json.putList(r, "filters", rule.filters(), GrpcRouteCodec::writeFilter);
            Json.putList(r, "backendRefs", rule.backendRefs(), ref -> {
                ObjectNode b = GatewayCommon.writeBackendObjectRef(ref.group(), ref.kind(), ref.name(),
                        ref.namespace(), ref.port());
                b.put("weight", ref.weight());
                Json.putList(b, "filters", ref.filters(), GrpcRouteCodec::writeFilter);
                return b;
            });
            return r;
        });
        return node;
    }

    private static ObjectNode writeFilter(GrpcRouteFilter filter) {
        ObjectNode node = Json.object();
        node.put("type", filter.type());
        if (filter instanceof RequestHeaderModifier m) {
            node.set("requestHeaderModifier", GatewayCommon.writeHeaderModifier(m));
        } else if (filter instanceof ResponseHeaderModifier m) {
            node.set("responseHeaderModifier", GatewayCommon.writeHeaderModifier(m));
        } else if (filter instanceof RequestMirror m) {
            node.set("requestMirror", GatewayCommon.writeRequestMirror(m));
        }
        return node;
    }
}
